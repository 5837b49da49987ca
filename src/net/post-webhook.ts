import { ImprintError } from "../core/errors";

/**
 * POSTs a webhook body and answers the receiver's status. Failures throw an ImprintError whose message is ours
 * (the deliveries log shows it to the organisation; a library's error text must not reach it).
 */
export type WebhookPoster = (url: string, body: string, headers: Record<string, string>) => Promise<{ status: number }>;

/**
 * The plain poster: bounded in time, no redirects (a receiver's 3xx is a failed delivery, not a hop to elsewhere).
 * Hardening against private addresses is the fetch policy's job (src/net); the composition root may wrap this.
 */
export function createWebhookPoster({ timeoutMs }: { timeoutMs: number }): WebhookPoster {
  return async (url, body, headers) => {
    let response: Response;
    try {
      response = await fetch(url, { method: "POST", body, headers, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      throw new ImprintError(
        timedOut ? "fetch_timeout" : "fetch_failed",
        timedOut ? `the receiver did not answer within ${timeoutMs} ms` : "the receiver could not be reached",
        { cause: error },
      );
    }
    await response.body?.cancel().catch(() => undefined);
    return { status: response.status };
  };
}
