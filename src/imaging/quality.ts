/** Pre-registration checks on an original: refusals (the HTTP layer answers 422) and warnings. */
import type { Fingerprint } from "./fingerprint";

/** The reference PDQ documentation suggests discarding hashes with quality ≤ 49. */
export const MIN_PDQ_QUALITY = 50;

export interface QualityCheck {
  ok: boolean;
  code?: "image_too_small";
  warnings: string[];
}

export function checkOriginalQuality(fp: Pick<Fingerprint, "width" | "height" | "pdqQuality">, minSide: number): QualityCheck {
  const warnings: string[] = [];
  if (fp.pdqQuality < MIN_PDQ_QUALITY) warnings.push("low_pdq_quality");
  if (Math.min(fp.width, fp.height) < minSide) return { ok: false, code: "image_too_small", warnings };
  return { ok: true, warnings };
}
