import type { Actor } from "../accounts/actor";
import { decodeKeysetCursor, encodeKeysetCursor } from "../core/cursor";
import { ImprintError } from "../core/errors";
import { ALERT_ID, getAlert, listAlerts, setAlertStatus, type AlertStatus, type AlertView } from "../watch/alerts";
import type { UseCaseDeps } from "./context";
import type { Links } from "./links";
import { authorize } from "./permissions";

/** The organisation's watch alerts, newest first (the IP centre). */
export async function listAlertsUseCase(deps: UseCaseDeps, actor: Actor, page: { status?: AlertStatus; limit: number; cursor?: string }, links: Links) {
  authorize(actor, "ip-centre");
  const cursor = page.cursor === undefined ? null : decodeKeysetCursor(page.cursor, ALERT_ID);
  if (page.cursor !== undefined && !cursor) throw new ImprintError("invalid_cursor", "the cursor is not one this API issued");
  const { items, next } = await listAlerts(deps.db, actor.organisationId, { status: page.status, limit: page.limit, cursor }, links);
  return { items, nextCursor: next ? encodeKeysetCursor(next) : null };
}

/** Acknowledges or dismisses an alert of the actor's organisation (or sets it back to new). */
export async function setAlertStatusUseCase(deps: UseCaseDeps, actor: Actor, id: string, status: AlertStatus, links: Links): Promise<AlertView> {
  authorize(actor, "ip-centre");
  const found = await getAlert(deps.db, id, links);
  if (!found || found.organisationId !== actor.organisationId) throw new ImprintError("not_found", `no alert ${id}`);
  await setAlertStatus(deps.db, id, status);
  return { ...found.alert, status };
}
