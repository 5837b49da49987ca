/**
 * Calibrated similarity 0–100 from geometric-verification evidence.
 *
 * The evidence is the number of RANSAC inliers (distinct original keypoints consistent with one
 * similarity transform, 3.5 px). Inliers are what separates true from false pairs: a wrong image
 * almost never yields more than 4–5 inliers (docs/calibration.md has the measured tail), an edited
 * copy yields 14–300. Raw match counts, inlier ratio and votes overlap between the classes and are
 * not used. A transform whose query frame covers < 10 % of the original (a tiny region, e.g. a
 * shared logo) has its evidence scaled down proportionally.
 *
 * The mapping is piecewise linear through ANCHORS, chosen from the benchmark's null tail so that
 *   similarity ≥ 85  ⇔  ≥ 16 inliers  — false-positive rate per query ≤ 0.1 % (observed 0.02 %, 6 of 29 854)
 *   similarity ≥ 92  ⇔  ≥ 26 inliers  — ≤ 0.01 % (observed 0 of 29 854: 95 % upper bound 0.010 %)
 * Unrelated photos top out at 5–7 inliers; two different photos of the same scene (toy blocks shot
 * from the same spot) reached 21 over 22 seeds of the benchmark, hence 92 at 26 (it was 22 until that
 * showed; recall at 92 did not change).
 *
 * Near-exact copies with few usable keypoints (small flat photos shrunk to 0.3×, smooth skies under
 * text) are caught by the global PDQ hash instead (pdqSimilarity): both hashes need quality ≥ 50;
 * distance ≤ 31 (Meta's recommended match threshold) ⇒ ≥ 92, ≤ 44 ⇒ ≥ 85. The nearest unrelated
 * PDQ among ~160 k query–original pairs of the benchmark was 88 bits away.
 * See docs/calibration.md for the data and the extrapolation behind these two points.
 */

export interface ScoreInput {
  inliers: number;
  overlap: number;
}

/** (inliers, similarity) anchor points; linear in between, 100 beyond the last. */
export const ANCHORS: readonly (readonly [number, number])[] = [
  [0, 0],
  [3, 15],
  [5, 30],
  [8, 50],
  [13, 75],
  [16, 85],
  [26, 92],
  [30, 96],
  [50, 98.5],
  [100, 100],
];

/** Overlap below this scales the evidence down (see above). */
export const MIN_CONFIDENT_OVERLAP = 0.1;

export function similarityScore(v: ScoreInput): number {
  let e = v.inliers;
  if (v.overlap < MIN_CONFIDENT_OVERLAP) e *= Math.max(0, v.overlap) / MIN_CONFIDENT_OVERLAP;
  return Math.round(interpolate(e) * 10) / 10;
}

function interpolate(e: number): number {
  if (e <= 0) return 0;
  for (let k = 1; k < ANCHORS.length; k++) {
    const [x1, y1] = ANCHORS[k];
    if (e <= x1) {
      const [x0, y0] = ANCHORS[k - 1];
      return y0 + ((y1 - y0) * (e - x0)) / (x1 - x0);
    }
  }
  return 100;
}

/** (PDQ Hamming distance, similarity) anchors; similarity falls as the distance grows. */
export const PDQ_ANCHORS: readonly (readonly [number, number])[] = [
  [0, 99],
  [16, 96],
  [31, 92],
  [44, 85],
  [64, 50],
  [88, 0],
];
export const PDQ_MIN_QUALITY = 50;

/** Similarity from the global PDQ distance (0 when either hash is of low quality). */
export function pdqSimilarity(distance: number, qualityA: number, qualityB: number): number {
  if (qualityA < PDQ_MIN_QUALITY || qualityB < PDQ_MIN_QUALITY) return 0;
  for (let k = 1; k < PDQ_ANCHORS.length; k++) {
    const [x1, y1] = PDQ_ANCHORS[k];
    if (distance <= x1) {
      const [x0, y0] = PDQ_ANCHORS[k - 1];
      return Math.round((y0 + ((y1 - y0) * (distance - x0)) / (x1 - x0)) * 10) / 10;
    }
  }
  return 0;
}
