import { eq } from "drizzle-orm";
import { BUNDLE_FORMAT, type EvidenceBundle } from "../core/bundle";
import { toHex, uint64ToHex } from "../core/hex";
import type { Db } from "../db/client";
import { batches, images, originals } from "../db/schema";

export type EvidenceResult =
  | { status: "anchored"; bundle: EvidenceBundle }
  | { status: "pending" | "sealed"; registeredAt: string }
  | null;

/** The evidence bundle of a registration once its batch is anchored; its status before that. */
export async function evidenceOf(db: Db, id: string): Promise<EvidenceResult> {
  const [row] = await db
    .select({
      // Only what a bundle says (so a bundle reads the same from every schema version since the first).
      original: { id: originals.id, accountId: originals.accountId, sha256: originals.sha256, registeredAtMs: originals.registeredAtMs, leaf: originals.leaf, proof: originals.proof },
      pdq: images.pdq,
      phash: images.phash,
      batch: {
        status: batches.status,
        root: batches.root,
        chainId: batches.chainId,
        contract: batches.contract,
        txHash: batches.txHash,
        blockNumber: batches.blockNumber,
        blockTimestamp: batches.blockTimestamp,
      },
    })
    .from(originals)
    .innerJoin(images, eq(images.id, originals.imageId))
    .leftJoin(batches, eq(batches.id, originals.batchId))
    .where(eq(originals.id, id))
    .limit(1);
  if (!row) return null;
  const o = row.original;
  const registeredAt = new Date(o.registeredAtMs).toISOString();
  const b = row.batch;
  if (!b || b.status !== "anchored") return { status: b ? "sealed" : "pending", registeredAt };
  return {
    status: "anchored",
    bundle: {
      format: BUNDLE_FORMAT,
      registration: {
        id: o.id,
        accountId: o.accountId,
        sha256: o.sha256,
        pdq: toHex(row.pdq),
        phash: uint64ToHex(row.phash),
        registeredAt,
      },
      leaf: o.leaf,
      merkle: { root: b.root, proof: o.proof ?? [] },
      anchor: {
        chainId: b.chainId!,
        contract: b.contract!.toLowerCase(),
        txHash: b.txHash!,
        blockNumber: b.blockNumber!,
        blockTimestamp: b.blockTimestamp!,
      },
    },
  };
}
