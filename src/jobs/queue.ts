import { and, asc, eq, inArray, isNull, lte, notInArray, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "../db/client";
import { jobs } from "../db/schema";
import type { Queryable } from "../db/client";

export interface Job {
  id: number;
  kind: string;
  payload: Record<string, unknown>;
  /** Including the run in progress. */
  attempts: number;
  createdAt: Date;
}

/**
 * Queues a job when awaited. Write it with what the job is about, in its transaction or beside it (writeTogether),
 * so that neither exists without the other.
 */
export function enqueueJob(q: Queryable, kind: string, payload: Record<string, unknown>, runAt = new Date()) {
  // The application's clock, like the claims' (`now`), not the database's: the two are compared.
  return q.insert(jobs).values({ kind, payload, runAt });
}

/** Jobs claimed, and whether more were due beyond them (then claiming again at once finds work). */
export interface Claim {
  jobs: Job[];
  more: boolean;
}

/**
 * Claims up to `limit` due jobs of `kinds` and leases them until `now + leaseMs`. Rows another worker is claiming
 * are skipped (`FOR UPDATE SKIP LOCKED`), and a lease that ran out (its worker died) makes a job claimable again.
 * The same statement looks, without locking, for a due job beyond those claimed: whether to claim again at once.
 */
export async function claimJobs(db: Db, kinds: readonly string[], limit: number, now: Date, leaseMs: number): Promise<Claim> {
  const other = alias(jobs, "other");
  const isDue = (t: typeof jobs | typeof other) =>
    and(eq(t.status, "queued"), inArray(t.kind, [...kinds]), lte(t.runAt, now), or(isNull(t.lockedUntil), lte(t.lockedUntil, now)));
  const due = db.$with("due").as(
    db.select({ id: jobs.id }).from(jobs).where(isDue(jobs)).orderBy(asc(jobs.runAt), asc(jobs.id)).limit(limit).for("update", { skipLocked: true }),
  );
  const beyond = db.select({ id: other.id }).from(other).where(and(isDue(other), notInArray(other.id, db.select({ id: due.id }).from(due))));
  const claimed = await db
    .with(due)
    .update(jobs)
    .set({ lockedUntil: new Date(now.getTime() + leaseMs), attempts: sql`${jobs.attempts} + 1` })
    .where(inArray(jobs.id, db.select({ id: due.id }).from(due)))
    .returning({
      id: jobs.id,
      kind: jobs.kind,
      payload: jobs.payload,
      attempts: jobs.attempts,
      createdAt: jobs.createdAt,
      more: sql<boolean>`exists (${beyond})`,
    });
  return { jobs: claimed.sort((a, b) => a.id - b.id).map(({ more: _, ...job }) => job), more: claimed.some((c) => c.more) };
}

/** A job done is deleted. */
export async function completeJob(db: Db, id: number): Promise<void> {
  await db.delete(jobs).where(eq(jobs.id, id));
}

/** Runs the job again at `runAt` (its lease is released). */
export async function retryJob(db: Db, id: number, runAt: Date, error: string | null): Promise<void> {
  await db.update(jobs).set({ runAt, lockedUntil: null, lastError: error?.slice(0, 1000) ?? null }).where(eq(jobs.id, id));
}

/** Gives up on a job: it stays in the table, `failed`, with its last error. */
export async function failJob(db: Db, id: number, error: string): Promise<void> {
  await db.update(jobs).set({ status: "failed", lockedUntil: null, lastError: error.slice(0, 1000) }).where(eq(jobs.id, id));
}
