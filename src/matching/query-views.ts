/**
 * A query's further views, each an ORB extraction the matcher asks for only while the views before it are not
 * conclusive: its mirror image, its detail view, region proposals, the region view of an ambiguous hit, and dense
 * features. They are derived from the grey images the query analysis kept, so they can be made anywhere those are
 * sent: on the calling thread (inlineViews: tests, benchmarks, a service without workers) or on the analysis
 * workers (src/work), where a hard query's hundreds of milliseconds of ORB do not hold the event loop. The region
 * proposals' verification, the costliest of their uses, runs where the views are made too.
 */
import { denseQueryFeatures, detailFeatures, mirroredFeatures, windowFeatures, type GreyImage, type ImageFeatures, type WindowShare } from "./features";
import type { MatchGeometry } from "./geometry";
import { loadOrbDetector } from "./orb-detector";
import { regionFeatures } from "./region-view";
import { verifyWindowsInOrder, type WindowCandidates, type WindowVerification } from "./window-verification";

export interface QueryViews {
  /** Features of the query's mirror image (undefined without its working image). */
  mirrored(q: ImageFeatures): Promise<ImageFeatures | undefined>;
  detail(q: ImageFeatures): Promise<ImageFeatures | undefined>;
  /**
   * The query's region proposals in parts, in order (all of them is the parts' windows one after another): the
   * matcher probes each part's windows as soon as it is made, while the rest are still being made.
   */
  windowParts(q: ImageFeatures): Promise<ImageFeatures[]>[];
  region(q: ImageFeatures, geometry: MatchGeometry, mirrored: boolean): Promise<ImageFeatures | undefined>;
  /** Dense features of the query and of its mirror image (as `mirrored`). */
  dense(q: ImageFeatures): Promise<ImageFeatures | undefined>;
  /** The region proposals' candidates verified in order, up to the first conclusive window (verifyWindowsInOrder). */
  verifyWindows(windows: WindowCandidates[], originals: ReadonlyMap<string, ImageFeatures>, conclusiveInliers: number): Promise<WindowVerification[][]>;
}

/** What a view is made from: the query's grey images, without its features. */
export interface ViewSource {
  grey?: GreyImage;
  detailGrey?: GreyImage;
}

export function viewSourceOf({ grey, detailGrey }: ImageFeatures): ViewSource {
  return { ...(grey ? { grey } : {}), ...(detailGrey ? { detailGrey } : {}) };
}

/** A query holding only its grey images, which is all that the view functions read. */
export function queryOf(source: ViewSource): ImageFeatures {
  return { width: 0, height: 0, keypoints: new Float32Array(0), descriptors: new Uint8Array(0), ...source };
}

/** A query's region proposals, or one part of them (a worker's share of one query's windows), ORB loaded on first use. */
export async function windowsPart(q: ImageFeatures, share?: WindowShare): Promise<ImageFeatures[]> {
  await loadOrbDetector();
  return windowFeatures(q, share);
}

/** The views made on the calling thread (ORB is loaded on first use). */
export const inlineViews: QueryViews = {
  async mirrored(q) {
    await loadOrbDetector();
    // A copy: mirroredFeatures keeps its result on the query it is given, and the matcher decides what q keeps.
    return mirroredFeatures({ ...q, mirrored: undefined });
  },
  async detail(q) {
    await loadOrbDetector();
    return detailFeatures(q);
  },
  windowParts: (q) => [windowsPart(q)],
  async region(q, geometry, mirrored) {
    await loadOrbDetector();
    return regionFeatures(q, geometry, mirrored);
  },
  async dense(q) {
    await loadOrbDetector();
    return denseQueryFeatures(q);
  },
  verifyWindows: async (windows, originals, conclusiveInliers) => verifyWindowsInOrder(windows, originals, conclusiveInliers),
};
