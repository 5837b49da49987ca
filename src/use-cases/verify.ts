import { ImprintError } from "../core/errors";
import type { Verdict } from "../core/verify";
import type { Logger } from "../observability/logger";
import { verifyEvidence } from "../verifier/verify-evidence";
import type { UseCaseDeps } from "./context";

/**
 * Runs the open verifier against this service's own RPC, trusting exactly the deployments it publishes: a bundle
 * anchored by any other contract fails the `deployment` check, however valid its chain anchor (anyone can deploy
 * one); the same holds for search receipts. Anyone can do the same with
 * `imprint verify --trust <this service>/.well-known/imprint-deployments.json`.
 * A presented image that cannot be read is bad input (4xx, like on every upload route), not a verdict; what the
 * chain's client said when it failed goes to `log` (the request's), never into the verdict.
 */
export async function verifyUseCase(deps: UseCaseDeps, bundle: unknown, image?: Buffer, log: Logger = deps.log): Promise<Verdict> {
  const fingerprint = image === undefined ? undefined : await deps.analyser.fingerprint(image);
  return verifyEvidence(bundle, {
    readChainFacts: async (anchor) => {
      try {
        return await deps.readChainFacts(anchor);
      } catch (error) {
        log.warn({ err: error, chainId: anchor.chainId, txHash: anchor.txHash }, "reading the chain for a verification failed");
        // Our own sentences (no RPC for that chain) pass; a client library's text does not.
        if (error instanceof ImprintError) throw error;
        throw new ImprintError("chain_unavailable", "the chain's RPC did not answer", { cause: error });
      }
    },
    trust: { deployments: deps.deployments.file.deployments },
    image,
    fingerprint: fingerprint && (async () => fingerprint),
  });
}
