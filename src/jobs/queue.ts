import { and, asc, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
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

/** Queues a job; pass the transaction that writes what the job is about, so neither exists without the other. */
export async function enqueueJob(q: Queryable, kind: string, payload: Record<string, unknown>, runAt = new Date()): Promise<void> {
  // The application's clock, like the claims' (`now`), not the database's: the two are compared.
  await q.insert(jobs).values({ kind, payload, runAt });
}

/**
 * Claims up to `limit` due jobs of `kinds` and leases them until `now + leaseMs`. Rows another worker is claiming
 * are skipped (`FOR UPDATE SKIP LOCKED`), and a lease that ran out (its worker died) makes a job claimable again.
 */
export async function claimJobs(db: Db, kinds: readonly string[], limit: number, now: Date, leaseMs: number): Promise<Job[]> {
  const due = db
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      and(
        eq(jobs.status, "queued"),
        inArray(jobs.kind, [...kinds]),
        lte(jobs.runAt, now),
        or(isNull(jobs.lockedUntil), lte(jobs.lockedUntil, now)),
      ),
    )
    .orderBy(asc(jobs.runAt), asc(jobs.id))
    .limit(limit)
    .for("update", { skipLocked: true });
  const claimed = await db
    .update(jobs)
    .set({ lockedUntil: new Date(now.getTime() + leaseMs), attempts: sql`${jobs.attempts} + 1` })
    .where(inArray(jobs.id, due))
    .returning({ id: jobs.id, kind: jobs.kind, payload: jobs.payload, attempts: jobs.attempts, createdAt: jobs.createdAt });
  return claimed.sort((a, b) => a.id - b.id);
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
