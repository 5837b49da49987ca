import { eq } from "drizzle-orm";
import { BUNDLE_FORMAT, SIGNED_BUNDLE_FORMAT, type EvidenceBundle } from "../core/bundle";
import { toHex, uint64ToHex } from "../core/hex";
import type { Db } from "../db/client";
import { batches, images, originals } from "../db/schema";
import { anchoringOf, reanchorJoin, reanchorOfBatch } from "./served-anchoring";

export type EvidenceResult =
  | { status: "anchored"; bundle: EvidenceBundle }
  | { status: "pending" | "sealed"; registeredAt: string }
  | null;

/**
 * The evidence bundle of a registration once its batch is anchored (v2 when its owner signed it, with the
 * re-anchor path once its root was carried to a newer deployment); its status before that.
 */
export async function evidenceOf(db: Db, id: string): Promise<EvidenceResult> {
  const [row] = await db
    .select({ original: originals, pdq: images.pdq, phash: images.phash, batch: batches, reanchor: reanchorOfBatch })
    .from(originals)
    .innerJoin(images, eq(images.id, originals.imageId))
    .leftJoin(batches, eq(batches.id, originals.batchId))
    .leftJoin(reanchorOfBatch, reanchorJoin)
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
    ...anchoringOf(b, row.reanchor),
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
