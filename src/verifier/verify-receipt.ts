import { hammingBytes } from "../core/hamming";
import { fromHex } from "../core/hex";
import { ImprintError } from "../core/errors";
import { checkReceiptChainFacts, receiptVerdict, SEARCH_RECEIPT_FORMAT, verifyReceiptOffline } from "../core/search-receipt";
import { PDQ_MATCH_DISTANCE, type Check, type Verdict } from "../core/verify";
import { fingerprintImage } from "../imaging/fingerprint";
import type { VerifyOptions } from "./verify-evidence";

/** Receipts and bundles share the verifier's entry points; the `format` field tells them apart. */
export function isSearchReceipt(input: unknown): boolean {
  return typeof input === "object" && input !== null && (input as { format?: unknown }).format === SEARCH_RECEIPT_FORMAT;
}

/**
 * A search receipt: format, digest of the record, leaf, Merkle proof (offline), then the chain; with an image,
 * whether it is the query that was searched for (same SHA-256, or PDQ within the match distance).
 */
export async function verifySearchReceipt(input: unknown, options: VerifyOptions): Promise<Verdict> {
  const offline = verifyReceiptOffline(input);
  const receipt = offline.receipt;
  if (!receipt) return offline;
  let chainChecks: Check[];
  try {
    const { chainId, contract, txHash } = receipt.anchor;
    chainChecks = checkReceiptChainFacts(receipt, await options.readChainFacts({ chainId, contract, txHash, root: receipt.merkle.root }));
  } catch (error) {
    chainChecks = [{ name: "chain", ok: false, detail: `the chain could not be read: ${error instanceof ImprintError ? error.message : "the RPC did not answer"}` }];
  }
  if (options.image) chainChecks.push(await queryImageCheck(options, receipt.record.query));
  return receiptVerdict(offline, chainChecks);
}

async function queryImageCheck(options: VerifyOptions, query: { sha256: string; pdq: string }): Promise<Check> {
  try {
    const fp = await (options.fingerprint ?? ((bytes) => fingerprintImage(Buffer.from(bytes))))(options.image!);
    if (fp.sha256 === query.sha256) return { name: "image", ok: true, detail: "the image's SHA-256 equals the query's: the exact bytes searched for" };
    const distance = hammingBytes(fromHex(fp.pdq), fromHex(query.pdq));
    const similar = distance <= PDQ_MATCH_DISTANCE;
    return {
      name: "image",
      ok: similar,
      detail: `${similar ? "not the exact query bytes, but visually similar" : "not shown to be the query image"}: PDQ distance ${distance}/256 (match ≤ ${PDQ_MATCH_DISTANCE})`,
    };
  } catch (error) {
    if (!(error instanceof ImprintError)) throw error;
    return { name: "image", ok: false, detail: `the image could not be read: ${error.message}` };
  }
}
