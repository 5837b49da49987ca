import { ImprintError } from "../core/errors";
import type { FetchPolicy } from "./fetch-policy";
import { safeFetch } from "./safe-fetch";

/**
 * POSTs a webhook body and answers the receiver's status. Failures throw an ImprintError whose message is ours
 * (the deliveries log shows it to the organisation; a library's error text must not reach it).
 */
export type WebhookPoster = (url: string, body: string, headers: Record<string, string>) => Promise<{ status: number }>;

/**
 * The poster: under the fetch policy (public addresses on the allowed ports, the socket pinned to the address
 * checked, one deadline), following no redirect (a receiver's 3xx is a failed delivery, not a hop elsewhere).
 * safeFetch's refusals and failures are ImprintErrors in our own words, fit for the deliveries log.
 */
export function createWebhookPoster(policy: FetchPolicy): WebhookPoster {
  const noRedirects = { ...policy, maxRedirects: 0 };
  return async (url, body, headers) => {
    try {
      const response = await safeFetch(url, { method: "POST", body, headers }, noRedirects);
      return { status: response.status };
    } catch (error) {
      // Said of a receiver rather than of a URL, in the deliveries log its organisation reads.
      if (error instanceof ImprintError && error.code === "fetch_failed") throw new ImprintError("fetch_failed", "the receiver could not be reached", { cause: error });
      if (error instanceof ImprintError && error.code === "fetch_timeout") throw new ImprintError("fetch_timeout", `the receiver did not answer within ${policy.timeoutMs} ms`, { cause: error });
      throw error;
    }
  };
}
