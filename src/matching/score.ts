/**
 * Calibrated similarity 0–100 from geometric-verification evidence.
 * (Provisional; calibrated constants are filled in from the benchmark — see docs/calibration.md.)
 */
import type { PairVerification } from "./verify-pair";

export interface ScoreInput {
  inliers: number;
  inlierRatio: number;
  overlap: number;
}

export function similarityScore(v: ScoreInput): number {
  const s = Math.min(100, v.inliers * 4);
  return Math.round(s * 10) / 10;
}

export function scoreVerification(v: PairVerification): number {
  return similarityScore(v);
}
