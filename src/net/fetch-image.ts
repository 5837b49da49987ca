import { ImprintError } from "../core/errors";

export interface FetchImageOptions {
  maxBytes: number;
  timeoutMs: number;
}

/**
 * Fetches an image by URL, bounded in time and size (a server can lie about or omit its length).
 * Hardening against SSRF (private address ranges, redirects) is the fetch policy's job.
 */
export function createImageFetcher({ maxBytes, timeoutMs }: FetchImageOptions) {
  return async function fetchImage(raw: string): Promise<Buffer> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ImprintError("invalid_url", "'url' is not an absolute URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ImprintError("invalid_url", "'url' must be http or https");
    }
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      throw new ImprintError(timedOut ? "fetch_timeout" : "fetch_failed", timedOut ? `fetching the URL took longer than ${timeoutMs} ms` : "the URL could not be fetched", { cause: error });
    }
    if (!response.ok || !response.body) {
      throw new ImprintError("fetch_failed", `the URL answered HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get("content-length") ?? NaN);
    if (declared > maxBytes) {
      await response.body.cancel();
      throw tooLarge(maxBytes);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) throw tooLarge(maxBytes);
        chunks.push(value);
      }
    } catch (error) {
      await reader.cancel().catch(() => undefined);
      if (error instanceof ImprintError) throw error;
      throw new ImprintError("fetch_failed", "the download was interrupted", { cause: error });
    }
    return Buffer.concat(chunks);
  };
}

function tooLarge(maxBytes: number) {
  return new ImprintError("image_too_large", `images are limited to ${maxBytes} bytes`);
}
