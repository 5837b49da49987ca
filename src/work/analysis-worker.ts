/**
 * An analysis worker thread: the inline analyser, and the query views the matcher asks for, run off the event loop.
 * Results go back structured-cloned (typed arrays transferred); a query's features carry the grey images its other
 * views are made from, which the matcher sends back here when it needs one.
 */
import { setPriority } from "node:os";
import { workerData } from "node:worker_threads";
import type { ImageFeatures, WindowShare } from "../matching/features";
import type { MatchGeometry } from "../matching/geometry";
import { loadOrbDetector } from "../matching/orb-detector";
import { inlineViews, queryOf, windowsPart, type ViewSource } from "../matching/query-views";
import type { WindowCandidates } from "../matching/window-verification";
import { inlineAnalyser, type ImageLimits } from "../use-cases/image-analysis";
import { asBuffer, serveTasks } from "./protocol";

const ANALYSIS_NICE = 10;
const analyser = inlineAnalyser((workerData as { data: ImageLimits }).data);
// On Linux a nice value is per thread: analysis yields the CPU to the event loop that answers every other
// request (reads, listings, evidence) instead of sharing it equally.
if (process.platform === "linux") setPriority(ANALYSIS_NICE);
// Load ORB now rather than on the first request this worker takes.
void loadOrbDetector();

serveTasks({
  forLibrary: (bytes: Uint8Array) => analyser.forLibrary(asBuffer(bytes)),
  forQuery: (bytes: Uint8Array) => analyser.forQuery(asBuffer(bytes)),
  forWatch: (bytes: Uint8Array) => analyser.forWatch(asBuffer(bytes)),
  fingerprint: (bytes: Uint8Array) => analyser.fingerprint(asBuffer(bytes)),
  mirroredView: (source: ViewSource) => inlineViews.mirrored(queryOf(source)),
  detailView: (source: ViewSource) => inlineViews.detail(queryOf(source)),
  windowViews: ({ source, share }: { source: ViewSource; share: WindowShare }) => windowsPart(queryOf(source), share),
  regionView: ({ source, geometry, mirrored }: { source: ViewSource; geometry: MatchGeometry; mirrored: boolean }) =>
    inlineViews.region(queryOf(source), geometry, mirrored),
  denseView: (source: ViewSource) => inlineViews.dense(queryOf(source)),
  verifyWindows: ({ windows, originals, conclusiveInliers }: { windows: WindowCandidates[]; originals: [string, ImageFeatures][]; conclusiveInliers: number }) =>
    inlineViews.verifyWindows(windows, new Map(originals), conclusiveInliers),
});
