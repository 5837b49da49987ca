import { ImprintError } from "../core/errors";
import type { FetchPolicy } from "./fetch-policy";
import { safeFetch } from "./safe-fetch";

/**
 * Fetches an image by URL under the fetch policy (src/net/safe-fetch.ts), bounded in time and in bytes by the
 * upload limit. What the URL answered (its status, its port) is never echoed: a caller could map our network.
 */
export function createImageFetcher(policy: FetchPolicy) {
  return async function fetchImage(url: string): Promise<Buffer> {
    let response;
    try {
      response = await safeFetch(url, { headers: { accept: "image/jpeg, image/png, image/webp" } }, policy);
    } catch (error) {
      if (error instanceof ImprintError && error.code === "fetch_too_large") {
        throw new ImprintError("image_too_large", `images are limited to ${policy.maxBytes} bytes`);
      }
      throw error;
    }
    if (response.status < 200 || response.status > 299) {
      throw new ImprintError("fetch_failed", "the URL did not answer with an image", { cause: `HTTP ${response.status} from ${response.url}` });
    }
    return response.body;
  };
}
