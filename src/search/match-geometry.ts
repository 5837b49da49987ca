/**
 * The match geometry of a hit, from the matcher's own verification. Today's MatchHit carries the transform
 * but not its inliers, so this re-runs the same deterministic steps the matcher ran (ratio-test matches, then
 * the seeded similarity RANSAC, on the first-pass and, for ambiguous queries, the dense second-pass features)
 * and keeps the run whose transform is the hit's: its inliers are exactly the matcher's. Once the matcher
 * exposes its inliers this adapter reduces to the coordinate change at the end.
 */
import { denseQueryFeatures, type ImageFeatures } from "../matching/features";
import type { MatchHit } from "../matching/matcher";
import { ransacSimilarity, type Similarity } from "../matching/ransac";
import { matchDescriptors } from "../matching/verify-pair";
import type { Affine, MatchGeometry, Point, Size } from "../reports/match-picture";

export interface GeometrySizes {
  /** The copy's and the original's pixel sizes (after EXIF orientation), which the features were scaled from. */
  query: Size;
  original: Size;
}

/** Null when the hit has no geometric verification (a byte-exact or PDQ-only hit) or it cannot be reproduced. */
export function matchGeometryOf(
  query: ImageFeatures,
  original: ImageFeatures,
  hit: Pick<MatchHit, "transform" | "mirrored">,
  sizes: GeometrySizes,
): MatchGeometry | null {
  if (!hit.transform) return null;
  const passes = [query, denseQueryFeatures(query)];
  for (const pass of passes) {
    const view = hit.mirrored ? pass?.mirrored : pass;
    if (!view) continue;
    const run = verification(view, original);
    if (run && sameTransform(run.transform, hit.transform)) return toPixels(run, view, original, hit.mirrored, sizes);
  }
  return null;
}

interface Run {
  transform: Similarity;
  /** Working-image points of the inlier pairs, one pair per distinct original keypoint (as the matcher counts). */
  queryPoints: Point[];
  originalPoints: Point[];
}

function verification(view: ImageFeatures, original: ImageFeatures): Run | null {
  const pairs = matchDescriptors(view, original);
  const m = pairs.length / 2;
  if (m < 2) return null;
  const src = new Float32Array(m * 2), dst = new Float32Array(m * 2);
  for (let k = 0; k < m; k++) {
    const qi = pairs[2 * k], oi = pairs[2 * k + 1];
    src.set(view.keypoints.subarray(2 * qi, 2 * qi + 2), 2 * k);
    dst.set(original.keypoints.subarray(2 * oi, 2 * oi + 2), 2 * k);
  }
  const r = ransacSimilarity(src, dst);
  if (!r) return null;
  const seen = new Set<number>();
  const run: Run = { transform: r.transform, queryPoints: [], originalPoints: [] };
  for (const k of r.inliers) {
    if (seen.has(pairs[2 * k + 1])) continue;
    seen.add(pairs[2 * k + 1]);
    run.queryPoints.push([src[2 * k], src[2 * k + 1]]);
    run.originalPoints.push([dst[2 * k], dst[2 * k + 1]]);
  }
  return run;
}

function sameTransform(a: Similarity, b: Similarity): boolean {
  return Math.abs(a.a - b.a) < 1e-9 && Math.abs(a.b - b.b) < 1e-9 && Math.abs(a.tx - b.tx) < 1e-6 && Math.abs(a.ty - b.ty) < 1e-6;
}

/**
 * Working-image coordinates (longest side 512, the copy mirrored when `mirrored`) → each image's pixels. A
 * mirrored keypoint at x sits at (w − 1 − x) in the unmirrored working image (flipGrey's pixel order).
 */
function toPixels(run: Run, view: ImageFeatures, original: ImageFeatures, mirrored: boolean, sizes: GeometrySizes): MatchGeometry {
  const sq = sizes.query.width / view.width, so = sizes.original.width / original.width;
  const w1 = view.width - 1;
  const unmirror = ([x, y]: Point): Point => [mirrored ? w1 - x : x, y];
  const { a, b, tx, ty } = run.transform;
  // u_w = a·x_w − b·y_w + tx with x_w = X/sq (or w1 − X/sq when mirrored), y_w = Y/sq; U = so·u_w.
  const k = so / sq;
  const transform: Affine = mirrored
    ? [-a * k, -b * k, so * (a * w1 + tx), -b * k, a * k, so * (b * w1 + ty)]
    : [a * k, -b * k, so * tx, b * k, a * k, so * ty];
  return {
    querySize: sizes.query,
    originalSize: sizes.original,
    queryPoints: run.queryPoints.map((p) => unmirror(p)).map(([x, y]) => [x * sq, y * sq]),
    originalPoints: run.originalPoints.map(([x, y]) => [x * so, y * so]),
    transform,
  };
}
