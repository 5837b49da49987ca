import { receiptVerdict, SEARCH_RECEIPT_FORMAT, verifyReceiptOffline } from "../core/search-receipt";
import type { Verdict } from "../core/verify";
import { checkPresentedImage, verifyAnchoring } from "./anchoring";
import type { VerifyOptions } from "./options";

/** Receipts and bundles share the verifier's entry points; the `format` field tells them apart. */
export function isSearchReceipt(input: unknown): boolean {
  return typeof input === "object" && input !== null && (input as { format?: unknown }).format === SEARCH_RECEIPT_FORMAT;
}

/**
 * A search receipt: format, digest of the record, leaf, Merkle proof (offline), then the chain and the
 * deployment exactly as for a bundle; with an image, whether it is the query that was searched for (same
 * SHA-256, or PDQ within the match distance).
 */
export async function verifySearchReceipt(input: unknown, options: VerifyOptions): Promise<Verdict> {
  const offline = verifyReceiptOffline(input);
  const receipt = offline.receipt;
  if (!receipt) return offline;
  const { paths, deployment } = await verifyAnchoring(receipt, options);
  const image = await checkPresentedImage(options, { ...receipt.record.query, what: "query" });
  return receiptVerdict(receipt, { offline, paths, deployment, image });
}
