/**
 * What a similarity means, in words a reviewer can act on, from the calibration (src/matching/score.ts,
 * docs/calibration.md). The inlier counts are read from the score's own anchors, so the words follow it.
 */
import { ANCHORS, PDQ_ANCHORS } from "../matching/score";
import type { Label } from "./labels";

/** The calibrated thresholds: 85 is the default search threshold, 92 the one recommended for action. */
export const MATCH_THRESHOLD = 85;
export const STRONG_THRESHOLD = 92;

const evidenceAt = (anchors: readonly (readonly [number, number])[], similarity: number) => anchors.find(([, s]) => s === similarity)![0];

export function similarityMeaning(similarity: number): Label {
  const strongInliers = evidenceAt(ANCHORS, STRONG_THRESHOLD), matchInliers = evidenceAt(ANCHORS, MATCH_THRESHOLD);
  const strongPdq = evidenceAt(PDQ_ANCHORS, STRONG_THRESHOLD), matchPdq = evidenceAt(PDQ_ANCHORS, MATCH_THRESHOLD);
  if (similarity >= STRONG_THRESHOLD) {
    return {
      en: `${similarity} is at or above ${STRONG_THRESHOLD}: the same photograph, edited or not (≥ ${strongInliers} keypoints agreeing on one geometric transform, or a PDQ distance ≤ ${strongPdq}). Calibrated for at most 0.01 % false matches; the level recommended for acting on a match.`,
      zh: `${similarity} 不低于 ${STRONG_THRESHOLD}：为同一张照片（无论是否经过编辑），即至少 ${strongInliers} 个特征点符合同一几何变换，或 PDQ 距离不超过 ${strongPdq}。按误匹配率不超过 0.01% 校准，是建议据以采取行动的水平。`,
    };
  }
  if (similarity >= MATCH_THRESHOLD) {
    return {
      en: `${similarity} is between ${MATCH_THRESHOLD} and ${STRONG_THRESHOLD}: a match at the default threshold (≥ ${matchInliers} agreeing keypoints, or a PDQ distance ≤ ${matchPdq}), calibrated for at most 0.1 % false matches. A reviewer should compare the pictures before acting.`,
      zh: `${similarity} 介于 ${MATCH_THRESHOLD} 与 ${STRONG_THRESHOLD} 之间：达到默认匹配阈值（至少 ${matchInliers} 个一致的特征点，或 PDQ 距离不超过 ${matchPdq}），按误匹配率不超过 0.1% 校准。审核人员应在采取行动前比对图片。`,
    };
  }
  return {
    en: `${similarity} is below ${MATCH_THRESHOLD}: not shown to be the same photograph by the calibration; unrelated photos can reach this level.`,
    zh: `${similarity} 低于 ${MATCH_THRESHOLD}：按校准结果不能证明为同一张照片；无关照片也可能达到此水平。`,
  };
}
