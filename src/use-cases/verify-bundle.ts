import type { ChainFactsReader } from "../chain/chain-facts";
import type { Verdict } from "../core/verify";
import { verifyEvidence } from "../verifier/verify-evidence";
import type { ServiceDeployments } from "./service-deployments";

export interface VerifyBundleDeps {
  readChainFacts: ChainFactsReader;
  deployments: ServiceDeployments;
}

/**
 * The service verifies as a third party would, trusting exactly the deployments it publishes: a bundle anchored
 * by any other contract fails the `deployment` check, however valid its chain anchor (anyone can deploy one).
 */
export function verifyBundle(deps: VerifyBundleDeps, input: { bundle: unknown; image?: Buffer }): Promise<Verdict> {
  return verifyEvidence(input.bundle, {
    readChainFacts: deps.readChainFacts,
    trust: { deployments: deps.deployments.file.deployments },
    image: input.image,
  });
}
