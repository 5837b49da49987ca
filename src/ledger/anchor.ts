import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { batches } from "../db/schema";
import { sealedBatches, type SealedBatch } from "./seal";

export interface AnchorReceipt {
  txHash: string;
  blockNumber: number;
  blockTimestamp: number;
  gasUsed: number;
}

/**
 * Where roots go. `anchor` must be idempotent: a root already on chain (a crash after sending, another
 * anchorer) returns its existing receipt instead of failing, so retrying a sealed batch is always safe.
 */
export interface AnchorTarget {
  chainId: number;
  contract: string;
  anchor(root: string, leafCount: number): Promise<AnchorReceipt>;
}

export interface AnchoredBatch extends SealedBatch, AnchorReceipt {
  chainId: number;
  contract: string;
}

/** The columns a batch and a root of roots both record once anchored. */
export function anchoredColumns(target: AnchorTarget, receipt: AnchorReceipt) {
  return {
    status: "anchored" as const,
    chainId: target.chainId,
    contract: target.contract,
    txHash: receipt.txHash,
    blockNumber: receipt.blockNumber,
    blockTimestamp: receipt.blockTimestamp,
  };
}

/** Anchors every sealed batch in sealing order; a failure is recorded on the batch and retried next time. */
export async function anchorSealed(db: Db, target: AnchorTarget): Promise<{ anchored: AnchoredBatch[]; failed: { batch: SealedBatch; error: string }[] }> {
  const anchored: AnchoredBatch[] = [];
  const failed: { batch: SealedBatch; error: string }[] = [];
  for (const batch of await sealedBatches(db)) {
    await db.update(batches).set({ attempts: sql`${batches.attempts} + 1` }).where(eq(batches.id, batch.id));
    try {
      const receipt = await target.anchor(batch.root, batch.leafCount);
      await db
        .update(batches)
        .set({
          ...anchoredColumns(target, receipt),
          gasUsed: receipt.gasUsed,
          anchoredAt: new Date(),
          lastError: null,
        })
        .where(eq(batches.id, batch.id));
      anchored.push({ ...batch, ...receipt, chainId: target.chainId, contract: target.contract });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await db.update(batches).set({ lastError: message.slice(0, 1000) }).where(eq(batches.id, batch.id));
      failed.push({ batch, error: message });
      // Later batches wait: anchoring out of order would only confuse whoever reads the chain.
      break;
    }
  }
  return { anchored, failed };
}
