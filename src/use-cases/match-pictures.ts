/**
 * Match pictures (src/reports/match-picture.ts) of search hits and alerts, drawn from the geometry the matcher
 * produced when it found them, as recorded then: never from a second verification. The copy's side is the
 * stored query thumbnail (a search record keeps the query only as its 256 px thumbnail) or the matched image's
 * thumbnail; the original's side is the hit's or the alert's original thumbnail. Readable by whoever may read the
 * search record or the alert; anything else answers like a missing one.
 */
import type { Actor } from "../accounts/actor";
import { ImprintError } from "../core/errors";
import { thumbnailOf } from "../library/images";
import { renderMatchPicture } from "../reports/match-picture";
import { searchHitMatchOf } from "../search/records";
import { alertMatchOf } from "../watch/alerts";
import type { UseCaseDeps } from "./context";
import { authorize } from "./permissions";

/** Panel height: the thumbnails the picture is drawn from are 256 px on their longer side. */
const PICTURE_HEIGHT = 256;

/** The match picture of hit `index` (0-based, in the order answered) of one of the actor's organisation's searches. */
export async function searchHitMatchPictureUseCase(deps: UseCaseDeps, actor: Actor, searchId: string, index: number): Promise<Buffer> {
  authorize(actor, "ip-centre");
  const found = await searchHitMatchOf(deps.db, searchId, index);
  if (!found || found.organisationId !== actor.organisationId) throw new ImprintError("not_found", `no search record ${searchId}`);
  if (!found.match) throw new ImprintError("not_found", `search ${searchId} has no hit ${index} with a match picture`);
  const original = await thumbnailOf(deps.db, found.match.imageId);
  if (!original) throw new ImprintError("not_found", `hit ${index} of search ${searchId} has been purged since`);
  return renderMatchPicture({ query: found.queryThumbnail, original, geometry: found.match.geometry, height: PICTURE_HEIGHT });
}

/** The match picture of one of the actor's organisation's alerts: the matched image against the watched original. */
export async function alertMatchPictureUseCase(deps: UseCaseDeps, actor: Actor, alertId: string): Promise<Buffer> {
  authorize(actor, "ip-centre");
  const found = await alertMatchOf(deps.db, alertId);
  if (!found || found.organisationId !== actor.organisationId) throw new ImprintError("not_found", `no alert ${alertId}`);
  const [copy, original] = await Promise.all([thumbnailOf(deps.db, found.matchImageId), thumbnailOf(deps.db, found.originalImageId)]);
  if (!copy || !original) throw new ImprintError("not_found", `the image alert ${alertId} matched has been purged since`);
  return renderMatchPicture({ query: copy, original, geometry: found.geometry, height: PICTURE_HEIGHT });
}
