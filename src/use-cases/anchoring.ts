import type { RunResult } from "../ledger/batcher";
import type { Actor } from "../accounts/actor";
import { authorize } from "./permissions";
import type { UseCaseDeps } from "./context";

/** The operator seals what is pending now and anchors it, answering once confirmed. */
export async function anchorNowUseCase(deps: UseCaseDeps, actor: Actor): Promise<RunResult> {
  authorize(actor, "operate");
  return deps.batcher.runNow();
}
