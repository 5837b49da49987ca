import type { EvidenceBundle } from "../core/bundle";
import { hammingBytes } from "../core/hamming";
import { fromHex } from "../core/hex";
import { checkChainFacts, checkImage, verdictOf, verifyBundleOffline, type ChainFacts, type Check, type Verdict } from "../core/verify";
import { ImprintError } from "../core/errors";
import { fingerprintImage, type Fingerprint } from "../imaging/fingerprint";

export interface VerifyOptions {
  /** Reads the chain's view of the bundle's anchor from an RPC of the caller's choosing. */
  readChainFacts(bundle: EvidenceBundle): Promise<ChainFacts>;
  /** An image to compare with the registered one (exact bytes, or an edited copy by PDQ distance). */
  image?: Uint8Array;
  /** How the image is fingerprinted (the service passes its limits, the browser its own); default: the plain fingerprint. */
  fingerprint?: (bytes: Uint8Array) => Promise<Pick<Fingerprint, "sha256" | "pdq">>;
}

/**
 * The whole verification: format, leaf, id, Merkle proof (offline), then the chain, then the image. Needs no
 * database and no Imprint server; the same function backs POST /v1/verify and `imprint verify`.
 */
export async function verifyEvidence(input: unknown, options: VerifyOptions): Promise<Verdict> {
  const offline = verifyBundleOffline(input);
  if (!offline.bundle) return offline;
  let chainChecks: Check[];
  try {
    chainChecks = checkChainFacts(offline.bundle, await options.readChainFacts(offline.bundle));
  } catch (error) {
    chainChecks = [{ name: "chain", ok: false, detail: `the chain could not be read: ${error instanceof Error ? error.message : String(error)}` }];
  }
  let imageCheck: Check | undefined;
  if (options.image) {
    try {
      const fp = await (options.fingerprint ?? ((bytes) => fingerprintImage(Buffer.from(bytes))))(options.image);
      const pdqDistance = hammingBytes(fromHex(fp.pdq), fromHex(offline.bundle.registration.pdq));
      imageCheck = checkImage(offline.bundle, { sha256: fp.sha256, pdqDistance });
    } catch (error) {
      // Only our own sentences reach the verdict, never a decoder's error text.
      if (!(error instanceof ImprintError)) throw error;
      imageCheck = { name: "image", ok: false, detail: `the image could not be read: ${error.message}` };
    }
  }
  return verdictOf(offline, chainChecks, imageCheck);
}
