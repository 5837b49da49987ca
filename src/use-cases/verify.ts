import type { Verdict } from "../core/verify";
import { verifyEvidence } from "../verifier/verify-evidence";
import type { UseCaseDeps } from "./context";

/**
 * Runs the open verifier against this service's own RPC, trusting exactly the deployments it publishes: a bundle
 * anchored by any other contract fails the `deployment` check, however valid its chain anchor (anyone can deploy
 * one). Anyone can do the same with `imprint verify --trust <this service>/.well-known/imprint-deployments.json`.
 */
export async function verifyUseCase(deps: UseCaseDeps, bundle: unknown, image?: Buffer): Promise<Verdict> {
  return verifyEvidence(bundle, {
    readChainFacts: deps.readChainFacts,
    trust: { deployments: deps.deployments.file.deployments },
    image,
    fingerprint: (bytes) => deps.analyser.fingerprint(Buffer.from(bytes)),
  });
}
