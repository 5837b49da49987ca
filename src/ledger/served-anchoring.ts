import { and, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { BundleAnchor, BundleReanchor } from "../core/bundle";
import { batches, reanchors } from "../db/schema";

/**
 * How an anchored batch reaches the chain in everything served from it (bundles and search receipts alike): its
 * own anchor and, once its root was carried to a newer deployment and that root of roots anchored, the re-anchor
 * path. Join `reanchorOfBatch` on `reanchorJoin` beside the batch, then call `anchoringOf`.
 */
export const reanchorOfBatch = alias(reanchors, "reanchor");
export const reanchorJoin = and(eq(reanchorOfBatch.id, batches.reanchorId), eq(reanchorOfBatch.status, "anchored"));

type AnchoredRow = { chainId: number | null; contract: string | null; txHash: string | null; blockNumber: number | null; blockTimestamp: number | null };

/** The anchor and optional re-anchor path of an anchored batch, as the formats spell them. */
export function anchoringOf(
  batch: AnchoredRow & { reanchorProof: string[] | null },
  reanchor: (AnchoredRow & { root: string }) | null,
): { anchor: BundleAnchor; reanchor?: BundleReanchor } {
  return {
    anchor: anchorOf(batch),
    ...(reanchor && batch.reanchorProof ? { reanchor: { proof: batch.reanchorProof, root: reanchor.root, anchor: anchorOf(reanchor) } } : {}),
  };
}

function anchorOf(r: AnchoredRow): BundleAnchor {
  return { chainId: r.chainId!, contract: r.contract!.toLowerCase(), txHash: r.txHash!, blockNumber: r.blockNumber!, blockTimestamp: r.blockTimestamp! };
}
