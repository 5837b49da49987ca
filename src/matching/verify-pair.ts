/**
 * Geometric verification of one (query, original) pair: descriptor matching with Lowe's ratio test,
 * then similarity RANSAC. Inlier counts separate true from false pairs far better than raw match
 * counts (see docs/calibration.md).
 */
import { descriptorWords, popcount32 as importedPopcount32 } from "./hamming-bits";
import type { ImageFeatures } from "./features";
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
}

/**
 * Bound once: tsx/esbuild compile imports to CommonJS, where every call of an imported function reads it
 * through a getter on the module object. In this loop that made matching 500 × 500 descriptors ~6× slower.
 */
const popcount32 = importedPopcount32;

const wordCache = new WeakMap<Uint8Array, Int32Array>();
function words(f: ImageFeatures): Int32Array {
  let w = wordCache.get(f.descriptors);
  if (!w) {
    w = descriptorWords(f.descriptors);
    wordCache.set(f.descriptors, w);
  }
  return w;
}

/** Ratio-test matches of query → original: returns pairs of (query index, original index). */
export function matchDescriptors(query: ImageFeatures, original: ImageFeatures): Int32Array {
  const q = words(query), o = words(original);
  const nq = q.length >>> 3, no = o.length >>> 3;
  const out: number[] = [];
  for (let i = 0; i < nq; i++) {
    const p = i * 8;
    const q0 = q[p], q1 = q[p + 1], q2 = q[p + 2], q3 = q[p + 3], q4 = q[p + 4], q5 = q[p + 5], q6 = q[p + 6], q7 = q[p + 7];
    let best = 257, second = 257, bestJ = -1;
    for (let j = 0, r = 0; j < no; j++, r += 8) {
      // Half the bits first: most pairs are already worse than the second best there.
      let d = popcount32(q0 ^ o[r]) + popcount32(q1 ^ o[r + 1]) + popcount32(q2 ^ o[r + 2]) + popcount32(q3 ^ o[r + 3]);
      if (d >= second) continue;
      d += popcount32(q4 ^ o[r + 4]) + popcount32(q5 ^ o[r + 5]) + popcount32(q6 ^ o[r + 6]) + popcount32(q7 ^ o[r + 7]);
      if (d < second) {
        if (d < best) {
          second = best;
          best = d;
          bestJ = j;
        } else second = d;
      }
    }
    if (bestJ >= 0 && best <= MAX_MATCH_DISTANCE && best < RATIO * second) out.push(i, bestJ);
  }
  return Int32Array.from(out);
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
  const distinct = new Set(r.inliers.map((k) => pairs[2 * k + 1])).size;
  return {
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
