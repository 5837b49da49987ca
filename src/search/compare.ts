import { inArray } from "drizzle-orm";
import { hammingBytes } from "../core/hamming";
import type { Db } from "../db/client";
import { images } from "../db/schema";
import { featureLoader } from "../library/images";
import { toPixelGeometry, type MatchGeometry } from "../matching/geometry";
import { pdqSimilarity, similarityScore } from "../matching/score";
import { verifyPair } from "../matching/verify-pair";

export interface Comparison {
  imageId: string;
  /** Calibrated 0–100, as search answers it: the stronger of the geometric and the PDQ evidence. */
  similarity: number;
  inliers: number;
  /** The verification's own geometry (inlier pairs, transform), in each image's pixels; null without a geometric match. */
  geometry: MatchGeometry | null;
  pdqDistance: number;
}

/**
 * Compares one stored image (a listing) with given stored originals, pair by pair, with the matcher's own
 * verification and calibration: what a complaint records at filing time. Both sides are the stored features, so
 * a mirrored copy is found only by its PDQ (stored features have no mirror view).
 */
export async function compareStoredImages(db: Db, queryImageId: string, originalImageIds: readonly string[]): Promise<Comparison[]> {
  const ids = [queryImageId, ...originalImageIds];
  const [features, hashes] = await Promise.all([
    featureLoader(db)(ids),
    db.select({ id: images.id, pdq: images.pdq, quality: images.pdqQuality, width: images.width, height: images.height }).from(images).where(inArray(images.id, ids)),
  ]);
  const pdq = new Map(hashes.map((h) => [h.id, h]));
  const query = features.get(queryImageId);
  const q = pdq.get(queryImageId)!;
  return originalImageIds.map((imageId) => {
    const original = features.get(imageId);
    const o = pdq.get(imageId)!;
    const v = query && original ? verifyPair(query, original) : null;
    const pdqDistance = hammingBytes(q.pdq, o.pdq);
    const geometric = v ? similarityScore(v) : 0;
    return {
      imageId,
      similarity: Math.max(geometric, pdqSimilarity(pdqDistance, q.quality, o.quality)),
      inliers: v?.inliers ?? 0,
      geometry: v?.geometry ? toPixelGeometry(v.geometry, { width: q.width, height: q.height }, { width: o.width, height: o.height }) : null,
      pdqDistance,
    };
  });
}
