import { sha256 } from "@noble/hashes/sha2.js";
import { AbiCoder, encodeBytes32String, keccak256 } from "ethers";
import { z } from "zod";
import { canonicalJson } from "./canonical-json";
import { anchoringFields } from "./bundle";
import { HEX32, HEX8, toHex } from "./hex";
import { ownerOf } from "./leaf";
import { ISO_MS } from "./time";
import { notVouched, proofChecks, reanchorChecks, settle, type Check, type Findings, type Verdict, type VerdictParts } from "./verify";

export const SEARCH_RECEIPT_FORMAT = "imprint.search-receipt.v1";

/**
 * The first word of a receipt's leaf: the format's name as a bytes32 string (UTF-8, zero-padded on the right).
 * Registration leaves encode five words and receipt leaves four behind this tag, so no receipt can be presented
 * as a registration or the other way round.
 */
export const SEARCH_RECEIPT_TAG = encodeBytes32String(SEARCH_RECEIPT_FORMAT);

/** ABI types of a receipt leaf: `[tag bytes32, digest bytes32, searchedAtMs uint64, owner bytes32]`. */
export const SEARCH_RECEIPT_LEAF_TYPES = ["bytes32", "bytes32", "uint64", "bytes32"] as const;

const hex32 = z.string().regex(HEX32, "must be 0x + 64 lowercase hex digits");
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const instant = z
  .string()
  .regex(ISO_MS, "must be ISO 8601 UTC with milliseconds")
  .refine((s) => !Number.isNaN(Date.parse(s)) && new Date(Date.parse(s)).toISOString() === s, "not a real instant")
  .refine((s) => Date.parse(s) >= 0, "before 1970");

/**
 * A search as it was answered, the `record` of a receipt and the answer of GET /v1/searches/:id. The hits are
 * kept exactly as answered (their fields are the search API's); the digest covers every byte of them.
 */
export const searchRecordSchema = z
  .object({
    id: z.string().regex(/^srch_[0-9a-f]{24}$/, "must be srch_ + 24 lowercase hex digits"),
    searchedAt: instant,
    searchedBy: z.object({ organisationId: z.string().min(1).max(200), memberId: z.string().min(1).max(200) }).strict(),
    query: z
      .object({
        sha256: hex32,
        pdq: hex32,
        phash: z.string().regex(HEX8, "must be 0x + 16 lowercase hex digits"),
        width: count,
        height: count,
        thumbnailUrl: z.string().max(2000),
      })
      .strict(),
    params: z
      .object({
        scope: z.enum(["all", "recent", "originals"]),
        threshold: z.number().min(0).max(100),
        category: z.string().max(100).nullable(),
        limit: z.number().int().min(1).max(50),
      })
      .strict(),
    hits: z.array(z.record(z.string(), z.unknown())).max(50),
  })
  .strict();

export type SearchRecord = z.infer<typeof searchRecordSchema>;

export const searchReceiptSchema = z
  .object({
    format: z.literal(SEARCH_RECEIPT_FORMAT),
    record: searchRecordSchema,
    digest: hex32,
    // Exactly a bundle's: leaf, merkle, anchor and, once the root was carried to a newer deployment, reanchor.
    ...anchoringFields,
  })
  .strict();

export type SearchReceipt = z.infer<typeof searchReceiptSchema>;

/** The canonical form of a record (RFC 8785) as stored, and its digest `0x + hex(SHA-256(UTF-8 of it))`. */
export function recordDigest(canonical: string): string {
  return toHex(sha256(Buffer.from(canonical, "utf8")));
}

/** `keccak256(keccak256(abi.encode(tag, digest, searchedAtMs, keccak256(utf8(organisationId)))))`. */
export function searchReceiptLeaf(digest: string, searchedAtMs: number, organisationId: string): string {
  const encoded = AbiCoder.defaultAbiCoder().encode(SEARCH_RECEIPT_LEAF_TYPES, [SEARCH_RECEIPT_TAG, digest, BigInt(searchedAtMs), ownerOf(organisationId)]);
  return keccak256(keccak256(encoded));
}

/** Format, digest, leaf, Merkle proof and order of a receipt: no network. */
export function verifyReceiptOffline(input: unknown): Verdict & { receipt?: SearchReceipt } {
  const parsed = searchReceiptSchema.safeParse(input);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(receipt)"}: ${i.message}`).join("; ");
    return { ok: false, trusted: false, checks: [{ name: "format", ok: false, detail }] };
  }
  const receipt = parsed.data;
  const r = receipt.record;
  const digest = recordDigest(canonicalJson(r));
  const leaf = searchReceiptLeaf(receipt.digest, Date.parse(r.searchedAt), r.searchedBy.organisationId);
  const checks: Check[] = [
    { name: "format", ok: true, detail: receipt.format },
    {
      name: "digest",
      ok: digest === receipt.digest,
      detail: digest === receipt.digest ? "SHA-256 of the record's canonical JSON (RFC 8785) is the digest" : `the record hashes to ${digest}, not ${receipt.digest}`,
    },
    {
      name: "leaf",
      ok: leaf === receipt.leaf,
      detail: leaf === receipt.leaf ? "the digest, search time and organisation hash to the leaf" : `they hash to ${leaf}, not ${receipt.leaf}`,
    },
    ...proofChecks(receipt, "searched", r.searchedAt),
    ...reanchorChecks(receipt),
  ];
  return { ok: checks.every((c) => c.ok), trusted: false, checks, receipt };
}

/**
 * A receipt's verdict, stated in the same three parts as a bundle's: the chain proves the record existed by the
 * block time (of its own anchor, or of the root of roots that re-anchored it); only a trusted deployment vouches for who ran the search (the organisation is named only then);
 * a receipt carries no owner's signature.
 */
export function receiptVerdict(receipt: SearchReceipt, parts: VerdictParts): Verdict {
  const { ok, trusted, path, checks, confirmed } = settle(receipt, parts);
  if (!confirmed) return { ok, trusted, path, checks };
  const r = receipt.record;
  const search =
    `a search with image ${r.query.sha256} (scope ${r.params.scope}, threshold ${r.params.threshold}) answered with ` +
    `${r.hits.length} hit${r.hits.length === 1 ? "" : "s"}, exactly as in the record`;
  const chain = `A record of ${search}, existed ${confirmed.noLaterThan}, ${confirmed.anchoredBy}${confirmed.through}.`;
  const d = confirmed.deployment;
  const who = `organisation ${r.searchedBy.organisationId} (member ${r.searchedBy.memberId})`;
  const local = confirmed.local;
  const findings: Findings = {
    chain,
    deployment: d
      ? `Deployment ${d.name} (anchorer ${d.anchorer}) vouches that ${who} ran this search at ${r.searchedAt} and was answered exactly these hits` +
        (confirmed.firstAnchored ? `, and that its record was ${confirmed.firstAnchored}.` : ".")
      : notVouched("who ran the search"),
    signature: "A receipt carries no owner's signature: it is the service's record of a search.",
    ...(local ? { local } : {}),
  };
  const statement = d
    ? `${who[0].toUpperCase()}${who.slice(1)} ran ${search}, ${confirmed.noLaterThan}.` + (local ? ` ${local}` : "")
    : `${chain} Who ran the search is not vouched for: no trusted deployment.` + (local ? ` ${local}` : "");
  return { ok, trusted, path, checks, statement, findings };
}
