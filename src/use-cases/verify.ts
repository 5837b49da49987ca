import type { Verdict } from "../core/verify";
import { verifyEvidence } from "../verifier/verify-evidence";
import type { UseCaseDeps } from "./context";

/** Runs the open verifier against this service's own RPC: anyone can do the same offline with the CLI. */
export async function verifyUseCase(deps: UseCaseDeps, bundle: unknown, image?: Buffer): Promise<Verdict> {
  return verifyEvidence(bundle, { readChainFacts: deps.readChainFacts, image, fingerprint: (bytes) => deps.analyser.fingerprint(Buffer.from(bytes)) });
}
