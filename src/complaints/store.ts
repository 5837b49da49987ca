import { and, asc, desc, eq, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import { randomBytes } from "node:crypto";
import type { Actor } from "../accounts/actor";
import { newId } from "../accounts/keys";
import type { Db, Queryable } from "../db/client";
import { complaintAttachments, complaintEvents, complaints, type ComplaintStatus } from "../db/schema";
import type { MatchGeometry } from "../matching/geometry";
import type { CheckedAttachment } from "./pdf-attachment";

export type ComplaintRow = typeof complaints.$inferSelect;
export type EventKind = (typeof complaintEvents.$inferSelect)["kind"];

export interface NewComplaint {
  complainantId: string;
  listingId: string;
  respondentId: string;
  originalIds: string[];
  searchId?: string;
  alertId?: string;
  statement: string;
  match: unknown;
  /** The matcher's geometry of each entry of `match` (same order), in pixels; null where not geometric. */
  matchGeometry: (MatchGeometry | null)[];
  attachments: CheckedAttachment[];
}

const eventOf = (complaintId: string, kind: EventKind, actor: Actor, note?: string) => ({
  complaintId,
  kind,
  organisationId: actor.organisationId,
  memberId: actor.memberId,
  role: actor.role,
  note: note ?? null,
});

const attachmentRows = (complaintId: string, side: "complaint" | "appeal", attachments: CheckedAttachment[]) =>
  attachments.map((a) => ({
    id: "att_" + randomBytes(12).toString("hex"),
    complaintId,
    side,
    filename: a.filename,
    sha256: a.sha256,
    byteSize: a.bytes.length,
    pages: a.pages,
    bytes: a.bytes,
  }));

/** Writes what a step of a complaint causes (alerts, webhook events) in the transaction that records the step. */
export type AlongWith = (tx: Queryable, complaintId: string) => Promise<void>;

/** Files a complaint with its first timeline event and its attachments, all or nothing. */
export async function insertComplaint(db: Db, actor: Actor, input: NewComplaint, alongWith?: AlongWith): Promise<string> {
  const id = newId("cmp");
  await db.transaction(async (tx) => {
    await tx.insert(complaints).values({
      id,
      complainantId: input.complainantId,
      filedBy: actor.memberId,
      listingId: input.listingId,
      respondentId: input.respondentId,
      originalIds: input.originalIds,
      searchId: input.searchId ?? null,
      alertId: input.alertId ?? null,
      statement: input.statement,
      status: "submitted",
      match: input.match,
      matchGeometry: input.matchGeometry,
    });
    await tx.insert(complaintEvents).values(eventOf(id, "filed", actor));
    if (input.attachments.length) await tx.insert(complaintAttachments).values(attachmentRows(id, "complaint", input.attachments));
    await alongWith?.(tx, id);
  });
  return id;
}

export interface Transition {
  from: ComplaintStatus[];
  to: ComplaintStatus;
  event: EventKind;
  note?: string;
  /** Columns written with the status (the appeal, the decision). */
  set?: Partial<Pick<ComplaintRow, "appeal" | "decisionReason" | "decidedAt">>;
  attachments?: CheckedAttachment[];
}

/**
 * Moves a complaint from one of `from` to `to`, once: the status is re-checked in the UPDATE itself, so two
 * reviewers deciding at once, or a withdrawal racing a decision, cannot both succeed. False when it was not in `from`.
 */
export async function transition(db: Db, actor: Actor, id: string, t: Transition, alongWith?: AlongWith): Promise<boolean> {
  return db.transaction(async (tx) => {
    const moved = await tx
      .update(complaints)
      .set({ status: t.to, ...t.set })
      .where(and(eq(complaints.id, id), inArray(complaints.status, t.from)))
      .returning({ id: complaints.id });
    if (moved.length === 0) return false;
    await tx.insert(complaintEvents).values(eventOf(id, t.event, actor, t.note));
    if (t.attachments?.length) await tx.insert(complaintAttachments).values(attachmentRows(id, "appeal", t.attachments));
    await alongWith?.(tx, id);
    return true;
  });
}

/** The id of an organisation's complaint against a listing that is still open (submitted or appealed), if any. */
export async function openComplaintOf(db: Db, complainantId: string, listingId: string): Promise<string | null> {
  const [row] = await db
    .select({ id: complaints.id })
    .from(complaints)
    .where(and(eq(complaints.complainantId, complainantId), eq(complaints.listingId, listingId), inArray(complaints.status, ["submitted", "appealed"])))
    .limit(1);
  return row?.id ?? null;
}

export async function getComplaint(db: Db, id: string): Promise<ComplaintRow | null> {
  const [row] = await db.select().from(complaints).where(eq(complaints.id, id)).limit(1);
  return row ?? null;
}

export async function timelineOf(db: Db, id: string) {
  return db
    .select({ at: complaintEvents.at, kind: complaintEvents.kind, organisationId: complaintEvents.organisationId, memberId: complaintEvents.memberId, role: complaintEvents.role, note: complaintEvents.note })
    .from(complaintEvents)
    .where(eq(complaintEvents.complaintId, id))
    .orderBy(asc(complaintEvents.id));
}

export async function attachmentsOf(db: Db, id: string) {
  return db
    .select({ id: complaintAttachments.id, side: complaintAttachments.side, filename: complaintAttachments.filename, sha256: complaintAttachments.sha256, byteSize: complaintAttachments.byteSize, pages: complaintAttachments.pages })
    .from(complaintAttachments)
    .where(eq(complaintAttachments.complaintId, id))
    .orderBy(asc(complaintAttachments.createdAt), asc(complaintAttachments.id));
}

export async function attachmentBytes(db: Db, complaintId: string, attachmentId: string) {
  const [row] = await db
    .select({ filename: complaintAttachments.filename, bytes: complaintAttachments.bytes })
    .from(complaintAttachments)
    .where(and(eq(complaintAttachments.complaintId, complaintId), eq(complaintAttachments.id, attachmentId)))
    .limit(1);
  return row ?? null;
}

export interface ComplaintQuery {
  /** Only this organisation's side; undefined: every complaint (reviewers, the operator). */
  side?: { organisationId: string; as: "filed" | "received" };
  /** One state, or any of several (a reviewer's queue is every complaint still open). */
  status?: ComplaintStatus | readonly ComplaintStatus[];
  limit: number;
  /** The last item of the previous page. */
  before?: { createdAt: Date; id: string };
}

/** Complaints newest first, keyset-paginated. */
export async function listComplaints(db: Db, q: ComplaintQuery): Promise<ComplaintRow[]> {
  const conditions: (SQL | undefined)[] = [];
  if (q.side) conditions.push(eq(q.side.as === "filed" ? complaints.complainantId : complaints.respondentId, q.side.organisationId));
  if (typeof q.status === "string") conditions.push(eq(complaints.status, q.status));
  else if (q.status) conditions.push(inArray(complaints.status, [...q.status]));
  if (q.before) conditions.push(or(lt(complaints.createdAt, q.before.createdAt), and(eq(complaints.createdAt, q.before.createdAt), lt(complaints.id, q.before.id))));
  return db
    .select()
    .from(complaints)
    .where(and(...conditions))
    .orderBy(desc(complaints.createdAt), desc(complaints.id))
    .limit(q.limit);
}

/** Counts per state, and the time from filing to decision of decided complaints (seconds). */
export async function complaintStats(db: Db) {
  const counts = await db.select({ status: complaints.status, n: sql<number>`count(*)::int` }).from(complaints).groupBy(complaints.status);
  const [times] = await db
    .select({
      mean: sql<number | null>`avg(extract(epoch from ${complaints.decidedAt} - ${complaints.createdAt}))::float8`,
      median: sql<number | null>`percentile_cont(0.5) within group (order by extract(epoch from ${complaints.decidedAt} - ${complaints.createdAt}))::float8`,
      decided: sql<number>`count(*)::int`,
    })
    .from(complaints)
    .where(sql`${complaints.decidedAt} is not null`);
  return { counts: Object.fromEntries(counts.map((c) => [c.status, c.n])) as Partial<Record<ComplaintStatus, number>>, decided: times.decided, meanSeconds: times.mean, medianSeconds: times.median };
}
