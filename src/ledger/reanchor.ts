import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Deployment } from "../core/deployments";
import { reanchorLeafHash } from "../core/leaf";
import { buildTree } from "../core/merkle";
import type { Db } from "../db/client";
import { batches, reanchors } from "../db/schema";
import { anchoredColumns, type AnchorReceipt, type AnchorTarget } from "./anchor";

export interface SealedReanchor {
  id: number;
  fromName: string;
  toName: string;
  root: string;
  leafCount: number;
}

export interface AnchoredReanchor extends SealedReanchor, AnchorReceipt {
  chainId: number;
  contract: string;
}

/**
 * Folds every root anchored by deployment `from` and not yet carried elsewhere into a root of roots, each leaf
 * binding a root to its anchor (`reanchorLeafHash`), and writes each batch's proof up to it, in one transaction.
 * Rows another re-anchoring is sealing are skipped, as in sealing registrations.
 */
export async function sealReanchor(db: Db, from: Deployment, toName: string): Promise<SealedReanchor | null> {
  return db.transaction(async (tx) => {
    const roots = await tx
      .select()
      .from(batches)
      .where(
        and(
          eq(batches.status, "anchored"),
          eq(batches.chainId, from.chainId),
          eq(sql`lower(${batches.contract})`, from.contract),
          isNull(batches.reanchorId),
        ),
      )
      .orderBy(asc(batches.id))
      .for("no key update", { skipLocked: true });
    if (roots.length === 0) return null;
    const tree = buildTree(
      roots.map((b) =>
        reanchorLeafHash(b.root, { chainId: b.chainId!, contract: b.contract!.toLowerCase(), txHash: b.txHash!, blockNumber: b.blockNumber!, blockTimestamp: b.blockTimestamp! }),
      ),
    );
    const [row] = await tx
      .insert(reanchors)
      .values({ status: "sealed", fromName: from.name, toName, root: tree.root, leafCount: roots.length })
      .returning();
    const assignments = roots.map((b, i) => ({ id: b.id, proof: tree.proofs[i] }));
    await tx.execute(sql`
      update ${batches} as b
         set reanchor_id = ${row.id}, reanchor_proof = v.proof
        from jsonb_to_recordset(${JSON.stringify(assignments)}::jsonb) as v(id int, proof jsonb)
       where b.id = v.id`);
    return { id: row.id, fromName: row.fromName, toName: row.toName, root: row.root, leafCount: row.leafCount };
  });
}

/** Re-anchorings sealed but not yet anchored (a crash or a chain outage in between), oldest first. */
export async function sealedReanchors(db: Db, fromName: string, toName: string): Promise<SealedReanchor[]> {
  return db
    .select({ id: reanchors.id, fromName: reanchors.fromName, toName: reanchors.toName, root: reanchors.root, leafCount: reanchors.leafCount })
    .from(reanchors)
    .where(and(eq(reanchors.status, "sealed"), eq(reanchors.fromName, fromName), eq(reanchors.toName, toName)))
    .orderBy(asc(reanchors.id));
}

/** Anchors a sealed root of roots (the target is idempotent, so a retry after a crash is safe). */
export async function anchorReanchor(db: Db, sealed: SealedReanchor, target: AnchorTarget): Promise<AnchoredReanchor> {
  const receipt = await target.anchor(sealed.root, sealed.leafCount);
  await db
    .update(reanchors)
    .set(anchoredColumns(target, receipt))
    .where(eq(reanchors.id, sealed.id));
  return { ...sealed, ...receipt, chainId: target.chainId, contract: target.contract };
}
