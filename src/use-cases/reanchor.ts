import type { Actor } from "../accounts/actor";
import { ImprintError } from "../core/errors";
import { anchorReanchor, sealedReanchors, sealReanchor, type AnchoredReanchor } from "../ledger/reanchor";
import type { UseCaseDeps } from "./context";
import { authorize } from "./permissions";

/**
 * Carries every root of deployment `from` to deployment `to` (the current one) as one root of roots, so that
 * its bundles keep verifying once `from`'s chain is gone. Finishes earlier re-anchorings left sealed first.
 */
export async function reanchorUseCase(deps: UseCaseDeps, actor: Actor, input: { from: string; to: string }): Promise<AnchoredReanchor[]> {
  authorize(actor, "operate");
  const byName = (name: string) => {
    const d = deps.deployments.file.deployments.find((x) => x.name === name);
    if (!d) throw new ImprintError("deployment_unknown", `no deployment named ${JSON.stringify(name)} in this service's deployments file`);
    return d;
  };
  const from = byName(input.from);
  const to = byName(input.to);
  if (to.name !== deps.deployments.current.name) {
    throw new ImprintError("reanchor_target_not_current", `this service anchors with ${deps.deployments.current.name}, not ${to.name}: it can only re-anchor there`);
  }
  if (from.name === to.name) throw new ImprintError("invalid_request", "from and to are the same deployment");

  const done: AnchoredReanchor[] = [];
  for (const sealed of await sealedReanchors(deps.db, from.name, to.name)) done.push(await anchorReanchor(deps.db, sealed, deps.anchorTarget));
  const sealed = await sealReanchor(deps.db, from, to.name);
  if (sealed) done.push(await anchorReanchor(deps.db, sealed, deps.anchorTarget));
  for (const r of done) deps.log.info({ reanchor: r.id, from: r.fromName, to: r.toName, roots: r.leafCount, root: r.root, txHash: r.txHash }, "re-anchored roots");
  return done;
}
