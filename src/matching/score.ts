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
 *   similarity ≥ 85  ⇔  ≥ 12 inliers  — estimated false-positive rate per query ≤ 0.1 % (observed 0)
 *   similarity ≥ 92  ⇔  ≥ 16 inliers  — estimated ≤ 0.01 %
 * See docs/calibration.md for the data and the extrapolation behind these two points.
 */

export interface ScoreInput {
  inliers: number;
  overlap: number;
}

/** (inliers, similarity) anchor points; linear in between, 100 beyond the last. */
export const ANCHORS: readonly (readonly [number, number])[] = [
  [0, 0],
  [3, 20],
  [5, 40],
  [8, 65],
  [10, 78],
  [12, 85],
  [16, 92],
  [24, 96],
  [40, 98.5],
  [80, 100],
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
