import { evidenceBundleSchema, type BundleAnchor, type BundleReanchor, type EvidenceBundle } from "./bundle";
import { CLOCK_TOLERANCE_S } from "./clock";
import { findDeployment, inPeriod, isLocalDeployment, type Deployment } from "./deployments";
import { leafHash, reanchorLeafHash, registrationIdOf, signedLeafHash } from "./leaf";
import { processProof } from "./merkle";
import { recoverSigner, signatureTimeProblem } from "./signature";
import { isoOfSeconds } from "./time";

/** Which anchor a reader is asked about: a root, where it is said to be anchored and by which transaction. */
export interface AnchorQuery {
  chainId: number;
  contract: string;
  txHash: string;
  root: string;
}

/** What the chain says about an anchor, read from any RPC by the caller (see src/chain). */
export interface ChainFacts {
  chainId: number;
  /** The transaction's receipt exists and succeeded. */
  receiptFound: boolean;
  /** The receipt holds `Anchored(root, …)` emitted by the named contract. */
  eventFound: boolean;
  blockNumber: number | null;
  blockTimestamp: number | null;
  /** `anchoredAt(root)` on the contract now (0 = never anchored). */
  anchoredAt: number;
  /** `anchorer()` of the contract, lowercase; null when there is no such contract. */
  anchorer: string | null;
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

/**
 * What every kind of anchored evidence (a registration's bundle, a search receipt) carries to reach the chain: a
 * Merkle root, its anchor, and for evidence of a retired deployment the root of roots that re-anchored it.
 */
export interface Anchored {
  merkle: { root: string };
  anchor: BundleAnchor;
  reanchor?: BundleReanchor;
}

/** The two ways from a bundle's root to a chain: its own anchor, or the root of roots that re-anchored it. */
export type AnchorPath = "direct" | "reanchor";

/** What each party proves, stated separately (see README, "Trust model"). */
export interface Findings {
  /** What the chain alone proves: existence by a block time, anchored by a contract whose anchorer it names. */
  chain: string;
  /** What a trusted deployment's operator vouches for: who registered it. */
  deployment: string;
  /** What an owner's signature proves: which key signed the values. */
  signature: string;
  /** Set when the anchoring chain is a local development chain: it proves nothing to a third party. */
  local?: string;
}

export interface Verdict {
  ok: boolean;
  /** A trusted deployment vouches for the anchor (false: the verdict rests on the chain alone). */
  trusted: boolean;
  /** The path whose chain confirmed the anchor. */
  path?: AnchorPath;
  checks: Check[];
  /** The one-line statement a verified bundle supports. */
  statement?: string;
  findings?: Findings;
  bundle?: EvidenceBundle;
}

/**
 * Whether a verdict failed only because no chain could be read (the `chain` check): it then says nothing about the
 * evidence, and another RPC may settle it. Every verifier reports this as "could not check", never as a failure.
 */
export function chainUnread(verdict: Pick<Verdict, "ok" | "checks">): boolean {
  const failed = verdict.checks.filter((c) => !c.ok);
  return !verdict.ok && failed.length > 0 && failed.every((c) => c.name === "chain");
}

/** PDQ's own match threshold (Meta): up to 31 of 256 bits is the same picture. */
export const PDQ_MATCH_DISTANCE = 31;

/** Structure and cryptography only: no network. Returns the parsed bundle when the format is valid. */
export function verifyBundleOffline(input: unknown): Verdict {
  const parsed = evidenceBundleSchema.safeParse(input);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(bundle)"}: ${i.message}`).join("; ");
    return { ok: false, trusted: false, checks: [{ name: "format", ok: false, detail }] };
  }
  const bundle = parsed.data;
  const r = bundle.registration;
  const v1Values = { sha256: r.sha256, pdq: r.pdq, phash: BigInt(r.phash), registeredAtMs: Date.parse(r.registeredAt), accountId: r.accountId };
  const leaf =
    bundle.format === "imprint.evidence.v2"
      ? signedLeafHash({ ...bundle.registration, ...v1Values })
      : leafHash(v1Values);
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
    ...proofChecks(bundle, "registered", r.registeredAt),
  ];
  if (bundle.format === "imprint.evidence.v2") checks.push(...signatureChecks(bundle));
  checks.push(...reanchorChecks(bundle));
  return { ok: checks.every((c) => c.ok), trusted: false, checks, bundle };
}

/**
 * The offline checks of the first anchor path, the same for bundles and receipts: the proof folds the leaf into the
 * root, and what the leaf claims (`claimedAt`: registered, or searched) happened no later than the anchor's block.
 */
export function proofChecks(subject: Anchored & { leaf: string; merkle: { proof: string[] } }, claim: string, claimedAt: string): Check[] {
  const root = processProof(subject.leaf, subject.merkle.proof);
  return [
    {
      name: "merkle",
      ok: root === subject.merkle.root,
      detail:
        root === subject.merkle.root
          ? `the proof (${subject.merkle.proof.length} steps) folds the leaf into the root`
          : `the proof folds to ${root}, not ${subject.merkle.root}`,
    },
    {
      name: "order",
      ok: Date.parse(claimedAt) / 1000 <= subject.anchor.blockTimestamp + CLOCK_TOLERANCE_S,
      detail: `${claim} at ${claimedAt}, anchored at ${isoOfSeconds(subject.anchor.blockTimestamp)}`,
    },
  ];
}

/**
 * The offline checks of a re-anchor path, the same for bundles and receipts (none without one): the root, bound
 * to its whole anchor, folds into the root of roots, and was anchored before it was re-anchored.
 */
export function reanchorChecks(subject: Anchored): Check[] {
  const re = subject.reanchor;
  if (!re) return [];
  const folded = processProof(reanchorLeafHash(subject.merkle.root, subject.anchor), re.proof);
  return [
    {
      name: "reanchor-merkle",
      ok: folded === re.root,
      detail:
        folded === re.root
          ? `the root and its anchor fold into the root of roots ${re.root} (${re.proof.length} steps)`
          : `the root and its anchor fold to ${folded}, not the root of roots ${re.root}`,
    },
    {
      name: "reanchor-order",
      ok: subject.anchor.blockTimestamp <= re.anchor.blockTimestamp + CLOCK_TOLERANCE_S,
      detail: `anchored at ${isoOfSeconds(subject.anchor.blockTimestamp)}, re-anchored at ${isoOfSeconds(re.anchor.blockTimestamp)}`,
    },
  ];
}

function signatureChecks(bundle: Extract<EvidenceBundle, { format: "imprint.evidence.v2" }>): Check[] {
  const r = bundle.registration;
  const recovered = recoverSigner(r, r.signature);
  const late = signatureTimeProblem(r.signedAt, Date.parse(r.registeredAt));
  return [
    {
      name: "signature",
      ok: recovered === r.signer,
      detail:
        recovered === r.signer
          ? `${r.signer} signed sha256, pdq, phash, productId ${JSON.stringify(r.productId)} and signedAt (EIP-712)`
          : `the signature over these values is by ${recovered ?? "no key (malformed)"}, not ${r.signer}`,
    },
    {
      name: "signature-time",
      ok: late === null,
      detail: late ?? `signed at ${isoOfSeconds(r.signedAt)}, registered at ${r.registeredAt}`,
    },
  ];
}

/** The chain's checks of one anchor: `prefix` "" for the evidence's own anchor, "reanchor-" for its root of roots. */
export function checkAnchorFacts(prefix: "" | "reanchor-", anchor: BundleAnchor, root: string, facts: ChainFacts): Check[] {
  const named = (name: string) => prefix + name;
  return [
    { name: named("chain"), ok: facts.chainId === anchor.chainId, detail: `the RPC serves chain ${facts.chainId}; the evidence names ${anchor.chainId}` },
    {
      name: named("transaction"),
      ok: facts.receiptFound && facts.blockNumber === anchor.blockNumber,
      detail: facts.receiptFound
        ? `transaction ${anchor.txHash} succeeded in block ${facts.blockNumber} (evidence: ${anchor.blockNumber})`
        : `no successful transaction ${anchor.txHash} on this chain`,
    },
    {
      name: named("event"),
      ok: facts.eventFound,
      detail: facts.eventFound ? `its receipt holds Anchored(${root}) from ${anchor.contract}` : `its receipt holds no Anchored(${root}) from ${anchor.contract}`,
    },
    {
      name: named("block-time"),
      ok: facts.blockTimestamp === anchor.blockTimestamp,
      detail: `block ${facts.blockNumber ?? "?"} has timestamp ${facts.blockTimestamp ?? "?"} (evidence: ${anchor.blockTimestamp})`,
    },
    {
      name: named("anchored-at"),
      ok: facts.anchoredAt !== 0 && facts.anchoredAt === anchor.blockTimestamp,
      detail: `${anchor.contract}.anchoredAt(root) = ${facts.anchoredAt}`,
    },
  ];
}

/** Which anchor path its chain confirmed, with the facts read there, and the checks that decided it. */
export interface AnchorPaths {
  checks: Check[];
  path?: AnchorPath;
  facts?: ChainFacts;
}

/** What reading one path's chain gave: its facts, or why nothing could be read. */
export type PathReading = { facts: ChainFacts } | { unreadable: string };

/**
 * Chooses the anchor path. A path whose chain answered must agree with the bundle (a contradiction fails the
 * bundle, whichever path it is on); a path whose chain could not be read is skipped; at least one must be
 * confirmed. The direct path is preferred.
 */
export function checkAnchorPaths(bundle: Anchored, direct: PathReading, reanchor?: PathReading): AnchorPaths {
  const checks: Check[] = [];
  let path: AnchorPath | undefined;
  let confirmedFacts: ChainFacts | undefined;
  const unread: string[] = [];
  if ("facts" in direct) {
    const c = checkAnchorFacts("", bundle.anchor, bundle.merkle.root, direct.facts);
    checks.push(...c);
    if (c.every((x) => x.ok)) [path, confirmedFacts] = ["direct", direct.facts];
  } else {
    unread.push(`chain ${bundle.anchor.chainId}: ${direct.unreadable}`);
  }
  if (bundle.reanchor && reanchor) {
    if ("facts" in reanchor) {
      const c = checkAnchorFacts("reanchor-", bundle.reanchor.anchor, bundle.reanchor.root, reanchor.facts);
      checks.push(...c);
      if (!path && c.every((x) => x.ok)) [path, confirmedFacts] = ["reanchor", reanchor.facts];
    } else {
      unread.push(`chain ${bundle.reanchor.anchor.chainId} (re-anchor): ${reanchor.unreadable}`);
    }
  }
  const usedChain = path === "reanchor" ? bundle.reanchor!.anchor.chainId : bundle.anchor.chainId;
  // "chain" when nothing could be read at all; "anchor-path" when a chain answered (its own checks then say how).
  checks.push({
    name: path || checks.length > 0 ? "anchor-path" : "chain",
    ok: path !== undefined,
    detail: path
      ? `${path === "direct" ? "its own anchor" : "the re-anchor (root of roots)"} was confirmed on chain ${usedChain}` +
        (unread.length ? `; not readable: ${unread.join("; ")}` : "")
      : unread.length
        ? `the chain could not be read: ${unread.join("; ")}`
        : "no anchor path was confirmed by its chain",
  });
  return { checks, path, facts: confirmedFacts };
}

/**
 * The `deployment` check: whether a trusted deployment anchored the bundle (or receipt). On the direct path the chain's
 * anchorer must be the listed one; on the re-anchor path the new deployment's anchorer is read from its chain
 * and the old deployment (whose chain may be gone) must be listed too. Each anchor must fall in its
 * deployment's period of use.
 */
export function checkDeployment(bundle: Anchored, path: AnchorPath, chainAnchorer: string | null, trusted: readonly Deployment[]): DeploymentJudgement {
  const describe = (a: BundleAnchor, anchorer: string | null) =>
    `contract ${a.contract} on chain ${a.chainId} (anchorer ${anchorer ?? "unknown"}${path === "reanchor" && a === bundle.anchor ? ", its chain not read" : ", read from the chain"})`;
  const fail = (detail: string) => ({ check: { name: "deployment", ok: false, detail } });
  const judge = (a: BundleAnchor, anchorer: string | null): Deployment | string => {
    const d = findDeployment(trusted, a.chainId, a.contract);
    if (!d) return `${describe(a, anchorer)} is not one of the trusted deployments`;
    if (anchorer !== null && anchorer !== d.anchorer) return `${describe(a, anchorer)}: deployment ${d.name} lists anchorer ${d.anchorer}`;
    if (!inPeriod(d, a.blockTimestamp)) return `anchored at ${isoOfSeconds(a.blockTimestamp)}, outside deployment ${d.name}'s period (${d.from} – ${d.until ?? "now"})`;
    return d;
  };
  const own = judge(bundle.anchor, path === "direct" ? chainAnchorer : null);
  if (typeof own === "string") return fail(own);
  if (path === "direct") {
    return { check: { name: "deployment", ok: true, detail: `anchored by trusted deployment ${own.name} (anchorer ${own.anchorer})` }, deployment: own, confirmedBy: own };
  }
  const re = judge(bundle.reanchor!.anchor, chainAnchorer);
  if (typeof re === "string") return fail(`re-anchor: ${re}`);
  return {
    check: { name: "deployment", ok: true, detail: `anchored by trusted deployment ${own.name}, re-anchored by trusted deployment ${re.name} (anchorer ${re.anchorer})` },
    deployment: own,
    confirmedBy: re,
  };
}

export interface DeploymentJudgement {
  check: Check;
  /** The trusted deployment that anchored the bundle's root. */
  deployment?: Deployment;
  /** The trusted deployment whose chain confirmed it (the re-anchoring one on the re-anchor path). */
  confirmedBy?: Deployment;
}

/** Whether a presented image is the registered one (a bundle) or the query searched with (a receipt), or an edited copy of it. */
export function checkImage(image: ImageFacts, expected: { sha256: string; what: "registered" | "query" }): Check {
  const exact = expected.what === "registered" ? "equals the registered one: the exact bytes" : "equals the query's: the exact bytes searched for";
  if (image.sha256 === expected.sha256) return { name: "image", ok: true, detail: `the image's SHA-256 ${exact}` };
  // An edited copy (recompressed, resized, watermarked) is not the same bytes, but it is the same picture: that is
  // what an IP team needs shown, so it passes with the distance stated.
  const similar = image.pdqDistance <= PDQ_MATCH_DISTANCE;
  const target = expected.what === "registered" ? "the registered image" : "the query image";
  return {
    name: "image",
    ok: similar,
    detail: similar
      ? `not the ${expected.what === "registered" ? "registered" : "query's"} bytes, but a visually similar copy: PDQ distance ${image.pdqDistance}/256 (match ≤ ${PDQ_MATCH_DISTANCE})`
      : `not shown to be ${target}: SHA-256 differs and PDQ distance is ${image.pdqDistance}/256 (match ≤ ${PDQ_MATCH_DISTANCE}). ` +
        "A cropped or rotated copy can still be the same photo; PDQ cannot tell, a search against the original can (POST /v1/search)",
  };
}

export interface VerdictParts {
  /** The offline checks (format, leaf, proof, …) of the evidence. */
  offline: Verdict;
  paths: AnchorPaths;
  /** Absent: no trust was given, the verdict rests on the chain alone. */
  deployment?: DeploymentJudgement;
  image?: Check;
}

/** What any kind of anchored evidence settles before its own sentences are written. */
export interface Settled {
  ok: boolean;
  trusted: boolean;
  path?: AnchorPath;
  checks: Check[];
  /** Present when every check holds. */
  confirmed?: {
    /** "no later than <time> (block N of chain C)": the confirming anchor's block. */
    noLaterThan: string;
    /** "anchored by contract C whose anchorer is A (read from the chain)". */
    anchoredBy: string;
    /** The trusted deployment that anchored it, when trust was given and it holds. */
    deployment?: Deployment;
    /** The warning that a local development chain proves nothing to a third party. */
    local?: string;
    /** On the re-anchor path: ", through the re-anchor of root R" (the chain's clause); else "". */
    through: string;
    /** On the re-anchor path: "first anchored at <time> (block N of chain C)", which only the deployments vouch for. */
    firstAnchored?: string;
  };
}

/** The deployment finding when nobody trusted vouches, for every kind of evidence ("who registered it", "who ran the search"). */
export const notVouched = (who: string) => `No trusted deployment: ${who} is not vouched for by anyone (give a deployments file or a contract you trust).`;

/**
 * Everything a verdict needs that does not depend on the kind of evidence: the checks in order, whether they all
 * hold, whether a trusted deployment vouches, and the chain's own clause and local-chain warning.
 */
export function settle(subject: Anchored, { offline, paths, deployment, image }: VerdictParts): Settled {
  const checks = [...offline.checks, ...paths.checks, ...(deployment ? [deployment.check] : []), ...(image ? [image] : [])];
  const ok = checks.every((c) => c.ok);
  const trusted = deployment?.check.ok === true;
  if (!ok || !paths.path || !paths.facts) return { ok, trusted, path: paths.path, checks };
  const used = paths.path === "reanchor" ? subject.reanchor!.anchor : subject.anchor;
  const local = isLocalDeployment(deployment?.confirmedBy ?? { chainId: used.chainId })
    ? `Chain ${used.chainId} is a local development chain: whoever runs it sets its block times, so it proves nothing to a third party.`
    : undefined;
  return {
    ok,
    trusted,
    path: paths.path,
    checks,
    confirmed: {
      noLaterThan: `no later than ${isoOfSeconds(used.blockTimestamp)} (block ${used.blockNumber} of chain ${used.chainId})`,
      anchoredBy: `anchored by contract ${used.contract} whose anchorer is ${paths.facts.anchorer ?? "unknown"} (read from the chain)`,
      deployment: trusted ? deployment?.deployment : undefined,
      ...(local ? { local } : {}),
      through: paths.path === "reanchor" ? `, through the re-anchor of root ${subject.merkle.root}` : "",
      ...(paths.path === "reanchor"
        ? { firstAnchored: `first anchored at ${isoOfSeconds(subject.anchor.blockTimestamp)} (block ${subject.anchor.blockNumber} of chain ${subject.anchor.chainId})` }
        : {}),
    },
  };
}

/** A bundle's verdict: states separately what the chain, the deployment and the owner's signature prove. */
export function verdictOf(bundle: EvidenceBundle, parts: VerdictParts): Verdict {
  const { ok, trusted, path, checks, confirmed } = settle(bundle, parts);
  if (!confirmed) return { ok, trusted, path, checks, bundle };

  const r = bundle.registration;
  const chain = `Image ${r.sha256} (PDQ ${r.pdq}) existed ${confirmed.noLaterThan}, ${confirmed.anchoredBy}${confirmed.through}.`;
  const d = confirmed.deployment;
  const deploymentFinding = d
    ? `Deployment ${d.name} (anchorer ${d.anchorer}) vouches that account ${r.accountId} registered it at ${r.registeredAt}` +
      (confirmed.firstAnchored ? ` and that it was ${confirmed.firstAnchored}.` : ".")
    : notVouched("who registered it");
  const signed = bundle.format === "imprint.evidence.v2" ? bundle.registration : undefined;
  const signature = signed
    ? `Signed by ${signed.signer}` + (d ? ` (a key of organisation ${r.accountId}, per deployment ${d.name})` : " (whose organisation only a trusted deployment can vouch for)") +
      ` at ${isoOfSeconds(signed.signedAt)}, over the image's hashes and product ${JSON.stringify(signed.productId)}.`
    : "Not signed by an owner's key.";
  const local = confirmed.local;
  const findings: Findings = { chain, deployment: deploymentFinding, signature, ...(local ? { local } : {}) };
  const statement = trusted
    ? `Image ${r.sha256} (PDQ ${r.pdq}) was registered by account ${r.accountId}` +
      (signed ? `, signed by its key ${signed.signer},` : "") +
      ` and existed ${confirmed.noLaterThan}.` + (local ? ` ${local}` : "")
    : `${chain} Who registered it is not vouched for: no trusted deployment.` + (local ? ` ${local}` : "");
  return { ok, trusted, path, checks, statement, findings, bundle };
}
