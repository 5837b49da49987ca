import { ImprintError } from "../core/errors";
import type { RunResult } from "../ledger/batcher";
import type { Actor } from "../accounts/actor";
import { authorize } from "./permissions";
import type { UseCaseDeps } from "./context";

/**
 * The operator seals what is pending now and anchors it, answering once the anchors are durable. When batches
 * were waiting and none could be anchored, the chain is the problem: that is a failure (503), not a success with
 * an error list. A partial run reports what was anchored and what was not.
 */
export async function anchorNowUseCase(deps: Pick<UseCaseDeps, "batcher">, actor: Actor): Promise<RunResult> {
  authorize(actor, "operate");
  const result = await deps.batcher.runNow();
  if (result.anchored.length === 0 && result.failed > 0) {
    throw new ImprintError("chain_unavailable", "Nothing could be anchored: the chain did not take the sealed batches. They stay sealed and are retried.", {
      details: { sealed: result.sealed, failed: result.failed, errors: result.errors },
      retryAfterS: 10,
    });
  }
  return result;
}
