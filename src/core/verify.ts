import { checkAnchor } from "./anchor-checks";
import { evidenceBundleSchema, type EvidenceBundle } from "./bundle";
import { leafHash, registrationIdOf } from "./leaf";
import { processProof } from "./merkle";

/** What the chain says about a bundle's anchor, read from any RPC by the caller (see src/chain). */
export interface ChainFacts {
  chainId: number;
  /** The transaction's receipt exists and succeeded. */
  receiptFound: boolean;
  /** The receipt holds `Anchored(root, …)` emitted by the bundle's contract. */
  eventFound: boolean;
  blockNumber: number | null;
  blockTimestamp: number | null;
  /** `anchoredAt(root)` on the bundle's contract now (0 = never anchored). */
  anchoredAt: number;
}

/** What is known about an image presented with the bundle. */
export interface ImageFacts {
  sha256: string;
  /** Hamming distance of its PDQ to the bundle's PDQ (0–256). */
  pdqDistance: number;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Verdict {
  ok: boolean;
  checks: Check[];
  /** The one-line statement a verified bundle supports. */
  statement?: string;
  bundle?: EvidenceBundle;
}

/** PDQ's own match threshold (Meta): up to 31 of 256 bits is the same picture. */
export const PDQ_MATCH_DISTANCE = 31;

/** Structure and cryptography only: no network. Returns the parsed bundle when the format is valid. */
export function verifyBundleOffline(input: unknown): Verdict {
  const parsed = evidenceBundleSchema.safeParse(input);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(bundle)"}: ${i.message}`).join("; ");
    return { ok: false, checks: [{ name: "format", ok: false, detail }] };
  }
  const bundle = parsed.data;
  const r = bundle.registration;
  const leaf = leafHash({
    sha256: r.sha256,
    pdq: r.pdq,
    phash: BigInt(r.phash),
    registeredAtMs: Date.parse(r.registeredAt),
    accountId: r.accountId,
  });
  const root = processProof(bundle.leaf, bundle.merkle.proof);
  const checks: Check[] = [
    { name: "format", ok: true, detail: bundle.format },
    {
      name: "leaf",
      ok: leaf === bundle.leaf,
      detail: leaf === bundle.leaf ? "the registration's values hash to the leaf" : `the values hash to ${leaf}, not ${bundle.leaf}`,
    },
    {
      name: "id",
      ok: registrationIdOf(bundle.leaf) === r.id,
      detail: `the registration id is derived from the leaf (${registrationIdOf(bundle.leaf)})`,
    },
    {
      name: "merkle",
      ok: root === bundle.merkle.root,
      detail:
        root === bundle.merkle.root
          ? `the proof (${bundle.merkle.proof.length} steps) folds the leaf into the root`
          : `the proof folds to ${root}, not ${bundle.merkle.root}`,
    },
  ];
  return { ok: checks.every((c) => c.ok), checks, bundle };
}

/** The chain checks, given facts read from an RPC of the bundle's chain. */
export function checkChainFacts(bundle: EvidenceBundle, facts: ChainFacts): Check[] {
  return checkAnchor({ root: bundle.merkle.root, anchor: bundle.anchor, at: bundle.registration.registeredAt, act: "registered" }, facts);
}

/** Whether a presented image is the registered one, or an edited copy of it. */
export function checkImage(bundle: EvidenceBundle, image: ImageFacts): Check {
  if (image.sha256 === bundle.registration.sha256) {
    return { name: "image", ok: true, detail: "the image's SHA-256 equals the registered one: the exact bytes" };
  }
  // An edited copy (recompressed, resized, watermarked) is not the registered bytes, but it is the same
  // picture: that is what an IP team needs shown, so it passes with the distance stated.
  const similar = image.pdqDistance <= PDQ_MATCH_DISTANCE;
  return {
    name: "image",
    ok: similar,
    detail: similar
      ? `not the registered bytes, but a visually similar copy: PDQ distance ${image.pdqDistance}/256 (match ≤ ${PDQ_MATCH_DISTANCE})`
      : `not shown to be the registered image: SHA-256 differs and PDQ distance is ${image.pdqDistance}/256 (match ≤ ${PDQ_MATCH_DISTANCE}). ` +
        "A cropped or rotated copy can still be the same photo; PDQ cannot tell, a search against the original can (POST /v1/search)",
  };
}

/** Assembles the full verdict: offline checks, chain checks and the optional image check. */
export function verdictOf(offline: Verdict, chainChecks: Check[], imageCheck?: Check): Verdict {
  const checks = [...offline.checks, ...chainChecks, ...(imageCheck ? [imageCheck] : [])];
  const ok = checks.every((c) => c.ok);
  const b = offline.bundle;
  const statement =
    ok && b
      ? `Image ${b.registration.sha256} (PDQ ${b.registration.pdq}) was registered by account ${b.registration.accountId} ` +
        `and existed no later than ${new Date(b.anchor.blockTimestamp * 1000).toISOString()} (block ${b.anchor.blockNumber} of chain ${b.anchor.chainId}).`
      : undefined;
  return { ok, checks, statement, bundle: b };
}
