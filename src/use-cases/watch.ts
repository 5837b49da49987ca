import { enqueueJob } from "../jobs/queue";
import type { Queryable } from "../db/client";
import { getAlert, insertAlert } from "../watch/alerts";
import { matchStoredImage } from "../watch/match";
import { publishEvent } from "../webhooks/events";
import type { UseCaseDeps } from "./context";
import type { Links } from "./links";

/** The job kind that matches one new image against the registered originals. */
export const WATCH_JOB = "watch";

/** While the index loads, a watch job waits this long and looks again (a partial index would miss originals). */
const INDEX_LOADING_RETRY_MS = 2_000;

/** Queues the watch of a newly stored image, in the transaction that stores it. */
export function queueWatch(q: Queryable, imageId: string): Promise<void> {
  return enqueueJob(q, WATCH_JOB, { imageId });
}

/**
 * Watches one new image (a listing, or an original): every registered original of another organisation it
 * matches at or above that organisation's watch threshold gets an alert, once per pair, and the alert goes to
 * the organisation's webhook. An organisation's own images never alert it. Runs in a job, off the request path.
 */
export async function watchImageUseCase(deps: UseCaseDeps, imageId: string, links: Links): Promise<void | { retryAt: Date }> {
  const { library } = deps;
  if (!library) throw new Error("no search index in this process: watch jobs must run where one is loaded");
  if (library.status.state !== "ready") return { retryAt: new Date(Date.now() + INDEX_LOADING_RETRY_MS) };
  // Whatever was committed before this job ran is matched (the image itself may have come from another process).
  await library.refresh();
  const found = await matchStoredImage(deps.db, library, imageId);
  if (!found) return;
  let published = 0;
  for (const match of found.matches) {
    await deps.db.transaction(async (tx) => {
      const alertId = await insertAlert(tx, found.subject, match);
      if (!alertId) return;
      deps.log.info({ alert: alertId, original: match.originalId, match: found.subject.id, similarity: match.similarity }, "watch: alert");
      const stored = await getAlert(tx, alertId, links);
      if (await publishEvent(tx, match.organisationId, "alert.created", stored!.alert)) published += 1;
    });
  }
  if (published) deps.wakeJobs?.();
}
