import { ImprintError } from "../core/errors";
import { webhookSignature } from "../core/webhook-signature";
import { eventForDelivery, recordAttempt } from "../webhooks/events";
import type { UseCaseDeps } from "./context";

/** Failed deliveries are retried for this long after the event, then given up. */
export const WEBHOOK_RETRY_WINDOW_MS = 24 * 3_600_000;
/** No wait between two attempts is longer than this. */
const MAX_RETRY_DELAY_MS = 3_600_000;

/** Wait before the attempt after attempt `attempt` (1-based): base, 2·base, 4·base, … capped at an hour. */
export function webhookRetryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** (attempt - 1));
}

/**
 * One delivery attempt of an event: POSTs its fixed body to the organisation's current webhook, signed with the
 * current secret and this attempt's time. A 2xx ends it; anything else is logged and retried with exponential
 * back-off until 24 h after the event. Each attempt is recorded (GET /v1/webhook/deliveries).
 */
export async function deliverWebhookEventUseCase(deps: UseCaseDeps, eventId: string): Promise<void | { retryAt: Date }> {
  const found = await eventForDelivery(deps.db, eventId);
  if (!found || found.event.status !== "pending") return; // delivered (or given up) by an earlier run
  const { event, webhook } = found;
  const attempt = found.attempts + 1;
  const started = Date.now();
  const base = { eventId, organisationId: event.accountId, attempt, attemptedAt: new Date(started) };
  if (!webhook) {
    await recordAttempt(deps.db, { ...base, url: "", outcome: "gave-up", httpStatus: null, error: "the organisation removed its webhook", durationMs: 0, nextAttemptAt: null });
    return;
  }
  let httpStatus: number | null = null;
  let error: string | null = null;
  try {
    ({ status: httpStatus } = await deps.postWebhook(webhook.url, event.body, {
      "content-type": "application/json",
      "user-agent": "imprint-webhooks/1",
      "imprint-event-id": event.id,
      "imprint-signature": webhookSignature(webhook.secret, event.body, started / 1000),
    }));
    if (httpStatus < 200 || httpStatus > 299) error = `the receiver answered HTTP ${httpStatus}`;
  } catch (e) {
    // Only our own sentences reach the deliveries log, never a library's error text.
    if (!(e instanceof ImprintError)) deps.log.warn({ err: e, event: eventId }, "webhook: delivery failed unexpectedly");
    error = e instanceof ImprintError ? e.message : "the delivery failed";
  }
  const durationMs = Date.now() - started;
  if (error === null) {
    await recordAttempt(deps.db, { ...base, url: webhook.url, outcome: "delivered", httpStatus, error, durationMs, nextAttemptAt: null });
    return;
  }
  const retryAt = new Date(Date.now() + webhookRetryDelayMs(attempt, deps.config.WEBHOOK_RETRY_BASE_MS));
  const givingUp = retryAt.getTime() > event.createdAt.getTime() + WEBHOOK_RETRY_WINDOW_MS;
  await recordAttempt(deps.db, { ...base, url: webhook.url, outcome: givingUp ? "gave-up" : "failed", httpStatus, error, durationMs, nextAttemptAt: givingUp ? null : retryAt });
  return givingUp ? undefined : { retryAt };
}
