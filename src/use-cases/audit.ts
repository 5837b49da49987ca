import type { Actor } from "../accounts/actor";
import { appendAudit, decodeAuditCursor, listAudit } from "../audit/audit-log";
import { ImprintError } from "../core/errors";
import { authorize } from "./permissions";
import type { UseCaseDeps } from "./context";

export interface RequestOutcome {
  action: string;
  target: string | null;
  status: number;
  errorCode: string | null;
}

/** Records a state-changing request of an authenticated member, whatever its outcome (refusals included). */
export async function recordRequestUseCase(deps: UseCaseDeps, actor: Actor, outcome: RequestOutcome): Promise<void> {
  await appendAudit(deps.db, { accountId: actor.organisationId, memberId: actor.memberId, keyPrefix: actor.keyPrefix, ...outcome });
}

/** The organisation's audit log, newest first (the owner's; the platform's for an admin). */
export async function listAuditUseCase(deps: UseCaseDeps, actor: Actor, page: { limit: number; cursor?: string }) {
  authorize(actor, "organisation", "operate");
  const beforeId = page.cursor === undefined ? null : decodeAuditCursor(page.cursor);
  if (page.cursor !== undefined && beforeId === null) throw new ImprintError("invalid_cursor", "the cursor is not one this API issued");
  return listAudit(deps.db, actor.organisationId, page.limit, beforeId);
}
