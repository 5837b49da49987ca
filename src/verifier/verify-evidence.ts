import { verdictOf, verifyBundleOffline, type Verdict } from "../core/verify";
import { checkPresentedImage, verifyAnchoring } from "./anchoring";
import type { VerifyOptions } from "./options";
import { isSearchReceipt, verifySearchReceipt } from "./verify-receipt";

/**
 * The whole verification: format, leaf, id, Merkle proof, signature (offline), then the chain along either
 * anchor path, then the deployment that vouches for it, then the image. Needs no database and no Imprint server;
 * the same function backs POST /v1/verify, `imprint verify` and the /verify page, for bundles and search receipts.
 */
export async function verifyEvidence(input: unknown, options: VerifyOptions): Promise<Verdict> {
  if (isSearchReceipt(input)) return verifySearchReceipt(input, options);
  const offline = verifyBundleOffline(input);
  const bundle = offline.bundle;
  if (!bundle) return offline;
  const { paths, deployment } = await verifyAnchoring(bundle, options);
  const image = await checkPresentedImage(options, { ...bundle.registration, what: "registered" });
  return verdictOf(bundle, { offline, paths, deployment, image });
}
