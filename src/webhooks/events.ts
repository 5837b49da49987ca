import { randomBytes } from "node:crypto";
import { and, count, desc, eq, lt } from "drizzle-orm";
import { getSettings } from "../accounts/settings";
import type { Db } from "../db/client";
import { webhookDeliveries, webhookEvents } from "../db/schema";
import type { Queryable } from "../db/client";
import { enqueueJob } from "../jobs/queue";

/** The job kind that delivers one event. */
export const WEBHOOK_JOB = "webhook";

/** Match alerts; each step of a complaint, to the parties it concerns (README, Webhooks). */
export type WebhookEventType = "alert.created" | "complaint.filed" | "complaint.appealed" | "complaint.decided" | "complaint.withdrawn";

/**
 * Queues an event for the organisation's webhook, in the caller's transaction (an alert or a complaint's step
 * and its event are written together). The body is fixed now, with a unique id, and POSTed unchanged on every
 * attempt; receivers deduplicate by that id. Returns the event id, or null when the organisation has no webhook.
 */
export async function publishEvent(q: Queryable, organisationId: string, type: WebhookEventType, data: unknown): Promise<string | null> {
  const { webhook } = await getSettings(q, organisationId);
  if (!webhook) return null;
  const id = "evt_" + randomBytes(12).toString("hex");
  const createdAt = new Date();
  const body = JSON.stringify({ id, type, createdAt: createdAt.toISOString(), data });
  await q.insert(webhookEvents).values({ id, accountId: organisationId, type, body, createdAt });
  await enqueueJob(q, WEBHOOK_JOB, { eventId: id });
  return id;
}

/** An event still to deliver, the webhook it goes to now (null: removed since), and its attempts so far. */
export async function eventForDelivery(db: Db, eventId: string) {
  const [event] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, eventId)).limit(1);
  if (!event) return null;
  const [{ n }] = await db.select({ n: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.eventId, eventId));
  const { webhook } = await getSettings(db, event.accountId);
  return { event, webhook, attempts: n };
}

export interface Attempt {
  eventId: string;
  organisationId: string;
  attempt: number;
  url: string;
  attemptedAt: Date;
  outcome: "delivered" | "failed" | "gave-up";
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  nextAttemptAt: Date | null;
}

/** Logs an attempt and, when it ends the event (delivered, gave up), the event's final status, together. */
export async function recordAttempt(db: Db, a: Attempt): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(webhookDeliveries).values({ ...a, accountId: a.organisationId });
    if (a.outcome === "delivered") await tx.update(webhookEvents).set({ status: "delivered", deliveredAt: a.attemptedAt }).where(eq(webhookEvents.id, a.eventId));
    if (a.outcome === "gave-up") await tx.update(webhookEvents).set({ status: "failed" }).where(eq(webhookEvents.id, a.eventId));
  });
}

/** The organisation's delivery attempts, newest first; the cursor is the last attempt's id. */
export async function listDeliveries(db: Db, organisationId: string, limit: number, beforeId: number | null) {
  const rows = await db
    .select({ d: webhookDeliveries, type: webhookEvents.type })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(and(eq(webhookDeliveries.accountId, organisationId), beforeId === null ? undefined : lt(webhookDeliveries.id, beforeId)))
    .orderBy(desc(webhookDeliveries.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit).map(({ d, type }) => ({
    id: d.id,
    eventId: d.eventId,
    eventType: type,
    attempt: d.attempt,
    url: d.url,
    attemptedAt: d.attemptedAt.toISOString(),
    outcome: d.outcome,
    httpStatus: d.httpStatus,
    error: d.error,
    durationMs: d.durationMs,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
  }));
  return { items, nextBefore: rows.length > limit ? items.at(-1)!.id : null };
}
