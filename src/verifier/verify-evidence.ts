import type { ChainFactsReader } from "../chain/chain-facts";
import type { BundleAnchor } from "../core/bundle";
import type { Deployment } from "../core/deployments";
import { ImprintError } from "../core/errors";
import { hammingBytes } from "../core/hamming";
import { fromHex } from "../core/hex";
import {
  checkAnchorPaths,
  checkDeployment,
  checkImage,
  verdictOf,
  verifyBundleOffline,
  type Check,
  type PathReading,
  type Verdict,
} from "../core/verify";
import { fingerprintImage, type Fingerprint } from "../imaging/fingerprint";

/** Whom the caller trusts to say who registered what. Absent: nobody, and the verdict rests on the chain alone. */
export interface Trust {
  /** Deployments from a deployments file (the service's own, or one its operator published). */
  deployments: readonly Deployment[];
  /** Contracts trusted on whichever chain they are, with the anchorer the chain names (`--contract`). */
  contracts?: readonly string[];
}

export interface VerifyOptions {
  /** Reads the chain's view of an anchor from an RPC of the caller's choosing. */
  readChainFacts: ChainFactsReader;
  trust?: Trust;
  /** An image to compare with the registered one (exact bytes, or an edited copy by PDQ distance). */
  image?: Uint8Array;
  /** How the image is fingerprinted (the service passes its limits, the browser its own); default: the plain fingerprint. */
  fingerprint?: (bytes: Uint8Array) => Promise<Pick<Fingerprint, "sha256" | "pdq">>;
}

/**
 * The whole verification: format, leaf, id, Merkle proof, signature (offline), then the chain along either
 * anchor path, then the deployment that vouches for it, then the image. Needs no database and no Imprint server;
 * the same function backs POST /v1/verify and `imprint verify`.
 */
export async function verifyEvidence(input: unknown, options: VerifyOptions): Promise<Verdict> {
  const offline = verifyBundleOffline(input);
  const bundle = offline.bundle;
  if (!bundle) return offline;
  const read = (anchor: BundleAnchor, root: string): Promise<PathReading> =>
    options.readChainFacts({ chainId: anchor.chainId, contract: anchor.contract, txHash: anchor.txHash, root }).then(
      (facts) => ({ facts }),
      (error: unknown) => ({ unreadable: error instanceof ImprintError ? error.message : "the RPC did not answer" }),
    );
  const [direct, reanchor] = await Promise.all([
    read(bundle.anchor, bundle.merkle.root),
    bundle.reanchor ? read(bundle.reanchor.anchor, bundle.reanchor.root) : undefined,
  ]);
  const paths = checkAnchorPaths(bundle, direct, reanchor);

  const trust = options.trust;
  const deployment =
    trust && paths.path && paths.facts
      ? checkDeployment(bundle, paths.path, paths.facts.anchorer, [...trust.deployments, ...contractsAsDeployments(trust.contracts ?? [], bundle, paths.facts.anchorer)])
      : undefined;

  let image: Check | undefined;
  if (options.image) {
    try {
      const fp = await (options.fingerprint ?? ((bytes) => fingerprintImage(Buffer.from(bytes))))(options.image);
      const pdqDistance = hammingBytes(fromHex(fp.pdq), fromHex(bundle.registration.pdq));
      image = checkImage(bundle, { sha256: fp.sha256, pdqDistance });
    } catch (error) {
      // Only our own sentences reach the verdict, never a decoder's error text.
      if (!(error instanceof ImprintError)) throw error;
      image = { name: "image", ok: false, detail: `the image could not be read: ${error.message}` };
    }
  }
  return verdictOf({ offline, paths, deployment, image });
}

/**
 * `--contract ADDR`: the caller trusts that contract on the bundle's chains, with whichever anchorer the chain
 * names (read for the confirming chain; not readable for a retired one, so any), at any time.
 */
function contractsAsDeployments(contracts: readonly string[], bundle: { anchor: BundleAnchor; reanchor?: { anchor: BundleAnchor } }, chainAnchorer: string | null): Deployment[] {
  const anchors = [bundle.anchor, ...(bundle.reanchor ? [bundle.reanchor.anchor] : [])];
  return anchors.flatMap((a) =>
    contracts
      .filter((c) => c.toLowerCase() === a.contract)
      .map((c) => ({
        name: `contract ${c.toLowerCase()}`,
        chainId: a.chainId,
        contract: a.contract,
        anchorer: chainAnchorer ?? "0x0000000000000000000000000000000000000000",
        from: new Date(0).toISOString(),
      })),
  );
}
