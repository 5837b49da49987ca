import { ImprintError } from "../core/errors";
import type { Batcher, RunResult } from "../ledger/batcher";

/**
 * An admin's "anchor now": seals what is pending and anchors every sealed batch, answering once they are
 * durable. When batches were waiting and none could be anchored, the chain is the problem: that is a failure
 * (503), not a success with an error list. A partial run reports what was anchored and what was not.
 */
export async function anchorNow(batcher: Batcher): Promise<RunResult> {
  const result = await batcher.runNow();
  if (result.anchored.length === 0 && result.failed > 0) {
    throw new ImprintError("chain_unavailable", "Nothing could be anchored: the chain did not take the sealed batches. They stay sealed and are retried.", {
      details: { sealed: result.sealed, failed: result.failed, errors: result.errors },
      retryAfterS: 10,
    });
  }
  return result;
}
