import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { buildTree } from "../core/merkle";
import type { Db } from "../db/client";
import { batches, originals } from "../db/schema";

export interface SealedBatch {
  id: number;
  root: string;
  leafCount: number;
}

/**
 * Seals up to `maxLeaves` pending registrations, oldest first, into one Merkle batch: the root, each leaf's
 * index and proof are written in the same transaction, so a batch is either wholly sealed or not at all, and
 * rows locked by another sealer are skipped rather than sealed twice.
 */
export async function sealPending(db: Db, maxLeaves: number): Promise<SealedBatch | null> {
  return db.transaction(async (tx) => {
    const pending = await tx
      .select({ id: originals.id, leaf: originals.leaf })
      .from(originals)
      .where(isNull(originals.batchId))
      .orderBy(asc(originals.registeredAtMs), asc(originals.id))
      .limit(maxLeaves)
      .for("update", { skipLocked: true });
    if (pending.length === 0) return null;

    const tree = buildTree(pending.map((p) => p.leaf));
    const [batch] = await tx
      .insert(batches)
      .values({ status: "sealed", root: tree.root, leafCount: pending.length })
      .returning({ id: batches.id });
    const assignments = pending.map((p, i) => ({ id: p.id, leaf_index: i, proof: tree.proofs[i] }));
    // One statement for the whole batch: per-row updates cost a round trip each.
    await tx.execute(sql`
      update ${originals} as o
         set batch_id = ${batch.id}, leaf_index = v.leaf_index, proof = v.proof
        from jsonb_to_recordset(${JSON.stringify(assignments)}::jsonb) as v(id text, leaf_index int, proof jsonb)
       where o.id = v.id`);
    return { id: batch.id, root: tree.root, leafCount: pending.length };
  });
}

export async function countPending(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(originals).where(isNull(originals.batchId));
  return row.n;
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
