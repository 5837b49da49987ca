import { and, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { BUNDLE_FORMAT, SIGNED_BUNDLE_FORMAT, type BundleAnchor, type BundleReanchor, type EvidenceBundle } from "../core/bundle";
import { toHex, uint64ToHex } from "../core/hex";
import type { Db } from "../db/client";
import { batches, images, originals, reanchors } from "../db/schema";

export type EvidenceResult =
  | { status: "anchored"; bundle: EvidenceBundle }
  | { status: "pending" | "sealed"; registeredAt: string }
  | null;

const reanchor = alias(reanchors, "reanchor");

/**
 * The evidence bundle of a registration once its batch is anchored (v2 when its owner signed it, with the
 * re-anchor path once its root was carried to a newer deployment); its status before that.
 */
export async function evidenceOf(db: Db, id: string): Promise<EvidenceResult> {
  const [row] = await db
    .select({ original: originals, pdq: images.pdq, phash: images.phash, batch: batches, reanchor })
    .from(originals)
    .innerJoin(images, eq(images.id, originals.imageId))
    .leftJoin(batches, eq(batches.id, originals.batchId))
    .leftJoin(reanchor, and(eq(reanchor.id, batches.reanchorId), eq(reanchor.status, "anchored")))
    .where(eq(originals.id, id))
    .limit(1);
  if (!row) return null;
  const o = row.original;
  const registeredAt = new Date(o.registeredAtMs).toISOString();
  const b = row.batch;
  if (!b || b.status !== "anchored") return { status: b ? "sealed" : "pending", registeredAt };
  const registration = { id: o.id, accountId: o.accountId, sha256: o.sha256, pdq: toHex(row.pdq), phash: uint64ToHex(row.phash), registeredAt };
  const anchoring = {
    leaf: o.leaf,
    merkle: { root: b.root, proof: o.proof ?? [] },
    anchor: anchorOf(b),
    ...(row.reanchor && b.reanchorProof ? { reanchor: reanchorOf(row.reanchor, b.reanchorProof) } : {}),
  };
  const bundle: EvidenceBundle =
    o.signer && o.signature && o.signedAt !== null
      ? {
          format: SIGNED_BUNDLE_FORMAT,
          registration: { ...registration, productId: o.productId, signedAt: o.signedAt, signer: o.signer, signature: o.signature },
          ...anchoring,
        }
      : { format: BUNDLE_FORMAT, registration, ...anchoring };
  return { status: "anchored", bundle };
}

type AnchoredRow = { chainId: number | null; contract: string | null; txHash: string | null; blockNumber: number | null; blockTimestamp: number | null };

function anchorOf(r: AnchoredRow): BundleAnchor {
  return { chainId: r.chainId!, contract: r.contract!.toLowerCase(), txHash: r.txHash!, blockNumber: r.blockNumber!, blockTimestamp: r.blockTimestamp! };
}

function reanchorOf(r: AnchoredRow & { root: string }, proof: string[]): BundleReanchor {
  return { proof, root: r.root, anchor: anchorOf(r) };
}
