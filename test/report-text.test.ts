import { describe, expect, it } from "vitest";
import { similarityScore } from "../src/matching/score";
import { stateLabel } from "../src/reports/labels";
import { similarityMeaning } from "../src/reports/similarity-meaning";
import { timeBetween, utc } from "../src/reports/time";

describe("the reports' words", () => {
  it("explains a similarity by the calibration's own thresholds, in both languages", () => {
    // The inlier counts in the words are the ones the score maps to 85 and 92.
    expect(similarityScore({ inliers: 26, overlap: 1 })).toBe(92);
    expect(similarityScore({ inliers: 16, overlap: 1 })).toBe(85);
    expect(similarityMeaning(97).en).toMatch(/at or above 92.*≥ 26 keypoints.*PDQ distance ≤ 31/);
    expect(similarityMeaning(92).zh).toContain("不低于 92");
    expect(similarityMeaning(88.5).en).toMatch(/between 85 and 92.*≥ 16 agreeing keypoints.*PDQ distance ≤ 44/);
    expect(similarityMeaning(84.9).en).toContain("below 85");
    expect(similarityMeaning(84.9).zh).toContain("低于 85");
  });

  it("prints times in UTC and the chain's delay after registration", () => {
    expect(utc(new Date("2026-11-27T12:41:33.050Z"))).toBe("2026-11-27 12:41:33.050 UTC");
    const at = new Date("2026-11-27T12:41:33.050Z");
    expect(timeBetween(at, new Date(at.getTime() + 950))).toBe("+0.950 s");
    expect(timeBetween(at, new Date(at.getTime() + 3 * 3600_000 + 2 * 60_000 + 7_000))).toBe("+3 h 02 min 07 s");
    expect(timeBetween(at, new Date(at.getTime() + 86_400_000 + 5_000))).toBe("+1 d 0 h 00 min 05 s");
    expect(timeBetween(at, new Date(at.getTime() - 1_500))).toBe("−1.500 s");
  });

  it("names the complaint states in both languages and prints others as they are", () => {
    expect(stateLabel("upheld")).toBe("upheld / 投诉成立");
    expect(stateLabel("escalated")).toBe("escalated");
  });
});
