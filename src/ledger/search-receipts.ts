import { and, eq, isNull } from "drizzle-orm";
import { recordDigest, SEARCH_RECEIPT_FORMAT, searchReceiptLeaf, type SearchReceipt, type SearchRecord } from "../core/search-receipt";
import type { Db } from "../db/client";
import { batches, searchRecords } from "../db/schema";
import { anchoringOf, reanchorJoin, reanchorOfBatch } from "./served-anchoring";

/**
 * Puts a search record's leaf in line for the next batch. The digest is taken over the stored canonical bytes,
 * which never change; asking twice changes nothing. Returns false when there is no such record.
 */
export async function requestSearchSeal(db: Db, id: string, now: Date): Promise<boolean> {
  const [row] = await db
    .select({ record: searchRecords.record, searchedAtMs: searchRecords.searchedAtMs, accountId: searchRecords.accountId })
    .from(searchRecords)
    .where(eq(searchRecords.id, id))
    .limit(1);
  if (!row) return false;
  const digest = recordDigest(row.record);
  const leaf = searchReceiptLeaf(digest, row.searchedAtMs, row.accountId);
  await db
    .update(searchRecords)
    .set({ sealRequestedAt: now, digest, leaf })
    .where(and(eq(searchRecords.id, id), isNull(searchRecords.sealRequestedAt)));
  return true;
}

export type ReceiptResult = { status: "anchored"; receipt: SearchReceipt } | { status: "none" | "pending" | "sealed" } | null;

/**
 * The receipt of a search once its batch is anchored (with the re-anchor path once its root was carried to a
 * newer deployment, exactly as a bundle's); its status before that.
 */
export async function searchReceiptOf(db: Db, id: string): Promise<ReceiptResult> {
  const [row] = await db
    .select({ r: searchRecords, batch: batches, reanchor: reanchorOfBatch })
    .from(searchRecords)
    .leftJoin(batches, eq(batches.id, searchRecords.batchId))
    .leftJoin(reanchorOfBatch, reanchorJoin)
    .where(eq(searchRecords.id, id))
    .limit(1);
  if (!row) return null;
  const { r, batch: b } = row;
  if (!r.sealRequestedAt || !r.digest || !r.leaf) return { status: "none" };
  if (!b || b.status !== "anchored") return { status: b ? "sealed" : "pending" };
  return {
    status: "anchored",
    receipt: {
      format: SEARCH_RECEIPT_FORMAT,
      record: JSON.parse(r.record) as SearchRecord,
      digest: r.digest,
      leaf: r.leaf,
      merkle: { root: b.root, proof: r.proof ?? [] },
      ...anchoringOf(b, row.reanchor),
    },
  };
}
