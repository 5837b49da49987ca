import type { Config } from "../config";
import type { Fingerprint } from "../imaging/fingerprint";
import { fingerprintImage } from "../imaging/fingerprint";
import { extractFeatures, topFeatures, type ImageFeatures } from "../matching/features";
import { STORED_KEYPOINTS } from "../matching/matcher";
import { serializeFeatures } from "../matching/serialize";
import { fromHex } from "../core/hex";

export type ImageLimits = Pick<Config, "MAX_UPLOAD_BYTES" | "MAX_IMAGE_PIXELS">;

/** The CPU-heavy part of every upload: decode, hashes, local features. */
export interface ImageAnalyser {
  /** An image to store (an original or a listing): its fingerprint and serialised verification features. */
  forLibrary(bytes: Buffer): Promise<{ fingerprint: Fingerprint; features: Buffer | null }>;
  /** A search query: its fingerprint and query features (both views, PDQ set from the fingerprint). */
  forQuery(bytes: Buffer): Promise<{ fingerprint: Fingerprint; features: ImageFeatures }>;
  /** A fingerprint alone (verification of a presented image). */
  fingerprint(bytes: Buffer): Promise<Fingerprint>;
}

/** Analysis on the calling thread, within the configured byte and pixel limits. */
export function inlineAnalyser(limits: ImageLimits): ImageAnalyser {
  const options = { maxBytes: limits.MAX_UPLOAD_BYTES, maxPixels: limits.MAX_IMAGE_PIXELS };
  return {
    async forLibrary(bytes) {
      const fingerprint = await fingerprintImage(bytes, options);
      // Stored features are the strongest keypoints, spread over the image (see src/matching).
      const features = serializeFeatures(topFeatures(await extractFeatures(bytes, { pdq: false }), STORED_KEYPOINTS));
      return { fingerprint, features };
    },
    async forQuery(bytes) {
      const fingerprint = await fingerprintImage(bytes, options);
      const features = await extractFeatures(bytes, { mirrored: true, pdq: false });
      features.pdq = { hash: fromHex(fingerprint.pdq), quality: fingerprint.pdqQuality };
      return { fingerprint, features };
    },
    fingerprint: (bytes) => fingerprintImage(bytes, options),
  };
}
