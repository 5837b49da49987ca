import type { BundleAnchor } from "../core/bundle";
import type { Deployment } from "../core/deployments";
import { ImprintError } from "../core/errors";
import { hammingBytes } from "../core/hamming";
import { fromHex } from "../core/hex";
import { checkAnchorPaths, checkDeployment, checkImage, type Anchored, type AnchorPaths, type Check, type DeploymentJudgement, type PathReading } from "../core/verify";
import { fingerprintImage } from "../imaging/fingerprint";
import type { VerifyOptions } from "./options";

/**
 * The part of a verification every kind of anchored evidence shares (bundles and search receipts alike): read
 * the chain along each anchor path, choose the confirmed one, then judge the deployment that anchored it against
 * whom the caller trusts. Without trust there is no `deployment` check and the verdict rests on the chain alone.
 */
export async function verifyAnchoring(subject: Anchored, options: VerifyOptions): Promise<{ paths: AnchorPaths; deployment?: DeploymentJudgement }> {
  const read = (anchor: BundleAnchor, root: string): Promise<PathReading> =>
    options.readChainFacts({ chainId: anchor.chainId, contract: anchor.contract, txHash: anchor.txHash, root }).then(
      (facts) => ({ facts }),
      (error: unknown) => ({ unreadable: error instanceof ImprintError ? error.message : "the RPC did not answer" }),
    );
  const [direct, reanchor] = await Promise.all([
    read(subject.anchor, subject.merkle.root),
    subject.reanchor ? read(subject.reanchor.anchor, subject.reanchor.root) : undefined,
  ]);
  const paths = checkAnchorPaths(subject, direct, reanchor);
  const trust = options.trust;
  if (!trust || !paths.path || !paths.facts) return { paths };
  const trusted = [...trust.deployments, ...contractsAsDeployments(trust.contracts ?? [], subject, paths.facts.anchorer)];
  return { paths, deployment: checkDeployment(subject, paths.path, paths.facts.anchorer, trusted) };
}

/**
 * The `image` check of a presented image against the hashes the evidence names (the registered image's, or the
 * query's). Only our own sentences reach the verdict, never a decoder's error text. A busy service is not a
 * verdict on the image: the error is rethrown, the request answers 503 and the client retries.
 */
export async function checkPresentedImage(options: VerifyOptions, expected: { sha256: string; pdq: string; what: "registered" | "query" }): Promise<Check | undefined> {
  if (!options.image) return undefined;
  try {
    const fp = await (options.fingerprint ?? ((bytes) => fingerprintImage(Buffer.from(bytes))))(options.image);
    return checkImage({ sha256: fp.sha256, pdqDistance: hammingBytes(fromHex(fp.pdq), fromHex(expected.pdq)) }, expected);
  } catch (error) {
    if (!(error instanceof ImprintError) || error.code === "overloaded") throw error;
    return { name: "image", ok: false, detail: `the image could not be read: ${error.message}` };
  }
}

/**
 * `--contract ADDR`: the caller trusts that contract on the evidence's chains, with whichever anchorer the chain
 * names (read for the confirming chain; not readable for a retired one, so any), at any time.
 */
function contractsAsDeployments(contracts: readonly string[], subject: Anchored, chainAnchorer: string | null): Deployment[] {
  const anchors = [subject.anchor, ...(subject.reanchor ? [subject.reanchor.anchor] : [])];
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
