/**
 * Geometric verification of one (query, original) pair: descriptor matching with Lowe's ratio test,
 * then similarity RANSAC. Inlier counts separate true from false pairs far better than raw match
 * counts (see docs/calibration.md).
 */
import { ratioTestMatches } from "./descriptor-match";
import type { ImageFeatures } from "./features";
import { matchGeometry, type MatchGeometry, type Point } from "./geometry";
import { overlapFraction, ransacSimilarity, type Similarity } from "./ransac";

export const RATIO = 0.8;
/** Matches farther than this (of 256 bits) are never accepted, whatever the ratio. */
export const MAX_MATCH_DISTANCE = 64;

export interface PairVerification {
  inliers: number;
  /** inliers / ratio-test matches. */
  inlierRatio: number;
  matches: number;
  /** Query working-image coords → original working-image coords (of the mirrored query if `mirrored`). */
  transform: Similarity | null;
  /** Fraction of the original's area covered by the query. */
  overlap: number;
  mirrored: boolean;
  /** Inlier pairs, outline and transform in working-image coordinates (the query un-mirrored), when verified. */
  geometry?: MatchGeometry;
}

/** Ratio-test matches of query → original: returns pairs of (query index, original index). */
export function matchDescriptors(query: ImageFeatures, original: ImageFeatures): Int32Array {
  return ratioTestMatches(query.descriptors, original.descriptors, MAX_MATCH_DISTANCE, RATIO);
}

/** Verify `query` (one orientation) against `original`. */
export function verifyPair(query: ImageFeatures, original: ImageFeatures, mirrored = false): PairVerification {
  const pairs = matchDescriptors(query, original);
  const m = pairs.length / 2;
  const none: PairVerification = { inliers: 0, inlierRatio: 0, matches: m, transform: null, overlap: 0, mirrored };
  if (m < 2) return none;
  const src = new Float32Array(m * 2), dst = new Float32Array(m * 2);
  for (let k = 0; k < m; k++) {
    const qi = pairs[2 * k], oi = pairs[2 * k + 1];
    src[2 * k] = query.keypoints[2 * qi];
    src[2 * k + 1] = query.keypoints[2 * qi + 1];
    dst[2 * k] = original.keypoints[2 * oi];
    dst[2 * k + 1] = original.keypoints[2 * oi + 1];
  }
  const r = ransacSimilarity(src, dst);
  if (!r) return none;
  // Count each original keypoint once (several query points may land on one original point).
  const seen = new Set<number>();
  const points: { query: Point[]; original: Point[] } = { query: [], original: [] };
  for (const k of r.inliers) {
    const oi = pairs[2 * k + 1];
    if (seen.has(oi)) continue;
    seen.add(oi);
    points.query.push([src[2 * k], src[2 * k + 1]]);
    points.original.push([dst[2 * k], dst[2 * k + 1]]);
  }
  const distinct = seen.size;
  return {
    // Sizes only: the geometry is kept with the hit, sent to workers and stored, without the features.
    geometry: matchGeometry(r.transform, mirrored, points, { width: query.width, height: query.height }, { width: original.width, height: original.height }),
    inliers: distinct,
    inlierRatio: distinct / m,
    matches: m,
    transform: r.transform,
    overlap: overlapFraction(r.transform, query.width, query.height, original.width, original.height),
    mirrored,
  };
}

/** Verify both orientations of a query (when it carries mirrored features) and keep the stronger. */
export function verifyBoth(query: ImageFeatures, original: ImageFeatures): PairVerification {
  const normal = verifyPair(query, original, false);
  if (!query.mirrored) return normal;
  const flipped = verifyPair(query.mirrored, original, true);
  return flipped.inliers > normal.inliers ? flipped : normal;
}
