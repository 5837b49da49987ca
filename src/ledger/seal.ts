import { and, asc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { buildTree } from "../core/merkle";
import type { Db } from "../db/client";
import { batches, originals, searchRecords } from "../db/schema";

export interface SealedBatch {
  id: number;
  root: string;
  leafCount: number;
}

/** A leaf waiting for a batch: a registration or a search receipt, with the time it started waiting. */
interface PendingLeaf {
  table: "originals" | "search_records";
  id: string;
  leaf: string;
  sinceMs: number;
}

/**
 * Seals up to `maxLeaves` pending leaves, oldest first, into one Merkle batch: registrations and search receipts
 * alike (their leaves are domain-separated, src/core). The root, each leaf's index and proof are written in the
 * same transaction, so a batch is either wholly sealed or not at all, and rows locked by another sealer are
 * skipped rather than sealed twice. The lock is the one an update of non-key columns takes (no key update): a
 * transaction inserting a row that references a leaf (an alert naming a new registration) holds a key-share lock
 * on it, which a plain FOR UPDATE conflicts with, so such a leaf was skipped and left pending by a run meant to
 * seal everything (an admin's anchor).
 */
export async function sealPending(db: Db, maxLeaves: number): Promise<SealedBatch | null> {
  return db.transaction(async (tx) => {
    const registrations = await tx
      .select({ id: originals.id, leaf: originals.leaf, sinceMs: originals.registeredAtMs })
      .from(originals)
      .where(isNull(originals.batchId))
      .orderBy(asc(originals.registeredAtMs), asc(originals.id))
      .limit(maxLeaves)
      .for("no key update", { skipLocked: true });
    const receipts = await tx
      .select({ id: searchRecords.id, leaf: searchRecords.leaf, since: searchRecords.sealRequestedAt })
      .from(searchRecords)
      .where(and(isNotNull(searchRecords.sealRequestedAt), isNull(searchRecords.batchId)))
      .orderBy(asc(searchRecords.sealRequestedAt), asc(searchRecords.id))
      .limit(maxLeaves)
      .for("no key update", { skipLocked: true });
    const pending: PendingLeaf[] = [
      ...registrations.map((r) => ({ table: "originals" as const, ...r })),
      ...receipts.map((r) => ({ table: "search_records" as const, id: r.id, leaf: r.leaf!, sinceMs: r.since!.getTime() })),
    ]
      .sort((a, b) => a.sinceMs - b.sinceMs || (a.id < b.id ? -1 : 1))
      .slice(0, maxLeaves);
    if (pending.length === 0) return null;

    const tree = buildTree(pending.map((p) => p.leaf));
    const [batch] = await tx
      .insert(batches)
      .values({ status: "sealed", root: tree.root, leafCount: pending.length })
      .returning({ id: batches.id });
    for (const table of [originals, searchRecords]) {
      const name = table === originals ? "originals" : "search_records";
      const assignments = pending.flatMap((p, i) => (p.table === name ? [{ id: p.id, leaf_index: i, proof: tree.proofs[i] }] : []));
      if (assignments.length === 0) continue;
      // One statement per table for the whole batch: per-row updates cost a round trip each.
      await tx.execute(sql`
        update ${table} as t
           set batch_id = ${batch.id}, leaf_index = v.leaf_index, proof = v.proof
          from jsonb_to_recordset(${JSON.stringify(assignments)}::jsonb) as v(id text, leaf_index int, proof jsonb)
         where t.id = v.id`);
    }
    return { id: batch.id, root: tree.root, leafCount: pending.length };
  });
}

/** Leaves waiting for a batch: pending registrations and search receipts asked for. */
export async function countPending(db: Db): Promise<number> {
  const [registrations] = await db.select({ n: sql<number>`count(*)::int` }).from(originals).where(isNull(originals.batchId));
  const [receipts] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(searchRecords)
    .where(and(isNotNull(searchRecords.sealRequestedAt), isNull(searchRecords.batchId)));
  return registrations.n + receipts.n;
}

export async function sealedBatches(db: Db): Promise<SealedBatch[]> {
  return db
    .select({ id: batches.id, root: batches.root, leafCount: batches.leafCount })
    .from(batches)
    .where(and(eq(batches.status, "sealed")))
    .orderBy(asc(batches.id));
}

/** How many registrations wait for a batch, and how many batches are in each state (for metrics). */
export async function ledgerCounts(db: Db): Promise<{ pendingRegistrations: number; batches: Record<"sealed" | "anchored", number> }> {
  const rows = await db.select({ status: batches.status, n: sql<number>`count(*)::int` }).from(batches).groupBy(batches.status);
  const counts = { sealed: 0, anchored: 0 };
  for (const r of rows) counts[r.status] = r.n;
  return { pendingRegistrations: await countPending(db), batches: counts };
}
