import { ImprintError } from "../core/errors";
import { enqueueJob } from "../jobs/queue";
import type { Reschedule } from "../jobs/runner";
import type { Db } from "../db/client";
import type { BuiltStatement } from "../db/write-together";
import type { ImageFeatures } from "../matching/features";
import { getAlert, insertAlert } from "../watch/alerts";
import { matchNewImage } from "../watch/match";
import { dropUpload, keepUpload, uploadOf } from "../watch/uploads";
import { publishEvent, WEBHOOK_JOB } from "../webhooks/events";
import type { UseCaseDeps } from "./context";
import type { Links } from "./links";

/** The job kind that matches one new image against the library. */
export const WATCH_JOB = "watch";

/** While the index loads, a watch job waits this long and looks again (a partial index would miss originals). */
const INDEX_LOADING_RETRY_MS = 2_000;

/** While the analysis pool is busy with clients' uploads, a watch job looks again this soon. */
const POOL_BUSY_RETRY_MS = 200;

/**
 * The statements that queue the watch of a newly stored image, to be written with it (writeTogether), with the
 * uploaded bytes: the job analyses them as search analyses a query. Without bytes the stored features are matched.
 */
export function watchStatements(db: Db, imageId: string, bytes?: Buffer): BuiltStatement[] {
  const job = enqueueJob(db, WATCH_JOB, { imageId, upload: bytes !== undefined } satisfies WatchJob);
  return bytes ? [keepUpload(db, imageId, bytes), job] : [job];
}

/** A watch job's payload. `upload` says whether bytes were kept for it (absent in jobs queued before it existed). */
export interface WatchJob {
  imageId: string;
  upload?: boolean;
}

/**
 * Watches one new image (a listing, or an original), off the request path, through the matcher's search path
 * (its first view, mirror image and dense second pass: analyseForWatch says why not the rest): every registered
 * original of another organisation it matches at or above that organisation's watch threshold alerts that
 * organisation; a new original also alerts its own organisation of the listings and originals of others stored
 * before it that match. Once per pair; never about an organisation's own images. Each alert goes to the
 * organisation's webhook.
 */
export async function watchImageUseCase(deps: UseCaseDeps, { imageId, upload }: WatchJob, links: Links): Promise<void | Reschedule> {
  const { library } = deps;
  if (!library) throw new Error("no search index in this process: watch jobs must run where one is loaded");
  if (library.status.state !== "ready") return { retryAt: new Date(Date.now() + INDEX_LOADING_RETRY_MS), holdRunner: true };
  // Whatever was committed before this image is matched: the poll that indexes it began after its commit, so it
  // read everything committed before.
  await library.whenIndexed(imageId);
  // An original keeps no upload: one read fewer per registration. A job that does not say may have one.
  const bytes = upload === false ? null : await uploadOf(deps.db, imageId);
  const analysed = bytes ? await watchFeatures(deps, imageId, bytes) : undefined;
  if (analysed && "retryAt" in analysed) return analysed;
  const found = await matchNewImage(deps.db, library, imageId, analysed?.features);
  let published = 0;
  for (const alert of found?.alerts ?? []) {
    await deps.db.transaction(async (tx) => {
      const alertId = await insertAlert(tx, alert);
      if (!alertId) return;
      deps.log.info({ alert: alertId, original: alert.originalId, match: alert.matched.id, similarity: alert.similarity }, "watch: alert");
      const stored = await getAlert(tx, alertId, links);
      if (await publishEvent(tx, alert.organisationId, "alert.created", stored!.alert)) published += 1;
    });
  }
  if (bytes) await dropUpload(deps.db, imageId);
  if (published) deps.wakeJobs?.(WEBHOOK_JOB);
}

/** A watch given up after its attempts: the upload kept for it is not kept any longer. */
export async function abandonWatchUseCase(deps: UseCaseDeps, imageId: string): Promise<void> {
  await dropUpload(deps.db, imageId);
}

/**
 * The upload analysed as the watch matches it (a search query's first view), as background work: while clients'
 * uploads keep the pool busy, the watch waits (rescheduled, not failed: a busy hour must not use up its attempts).
 * An image the query analysis refuses although storing it succeeded is matched by its stored features rather than
 * never.
 */
async function watchFeatures(deps: UseCaseDeps, imageId: string, bytes: Buffer): Promise<{ features?: ImageFeatures } | Reschedule> {
  try {
    return { features: await deps.analyser.forWatch(bytes) };
  } catch (error) {
    if (!(error instanceof ImprintError)) throw error;
    // The pool is busy for every watch job alike: the runner waits rather than try the next one at once.
    if (error.code === "overloaded") return { retryAt: new Date(Date.now() + POOL_BUSY_RETRY_MS), holdRunner: true };
    deps.log.warn({ err: error, image: imageId }, "watch: the upload could not be analysed as a query; matching its stored features");
    return {};
  }
}
