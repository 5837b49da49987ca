import type { Config } from "../config";
import type { Fingerprint } from "../imaging/fingerprint";
import { fingerprintImage } from "../imaging/fingerprint";
import { analyseForWatch, analyseImage } from "../matching/analyse-image";
import type { ImageFeatures } from "../matching/features";
import { serializeFeatures } from "../matching/serialize";

export type ImageLimits = Pick<Config, "MAX_UPLOAD_BYTES" | "MAX_IMAGE_PIXELS">;

/** The CPU-heavy part of every upload: decode, hashes, local features. */
export interface ImageAnalyser {
  /** An image to store (an original or a listing): its fingerprint and serialised verification features. */
  forLibrary(bytes: Buffer): Promise<{ fingerprint: Fingerprint; features: Buffer | null }>;
  /**
   * A search query: its fingerprint and query features (the first view, its PDQ, and the grey images the matcher
   * derives other views from).
   */
  forQuery(bytes: Buffer): Promise<{ fingerprint: Fingerprint; features: ImageFeatures }>;
  /**
   * A new upload as the watch matches it (analyseForWatch): a query's first view, working grey image and PDQ. Background
   * work: it never waits ahead of a client's request, and a pool refuses it with `overloaded` unless a worker is free
   * and nobody waits.
   */
  forWatch(bytes: Buffer): Promise<ImageFeatures>;
  /** A fingerprint alone (verification of a presented image). */
  fingerprint(bytes: Buffer): Promise<Fingerprint>;
}

/** Analysis on the calling thread, within the configured byte and pixel limits. */
export function inlineAnalyser(limits: ImageLimits): ImageAnalyser {
  const options = { maxBytes: limits.MAX_UPLOAD_BYTES, maxPixels: limits.MAX_IMAGE_PIXELS };
  return {
    async forLibrary(bytes) {
      const { fingerprint, features } = await analyseImage(bytes, { purpose: "original", limits: options });
      return { fingerprint, features: serializeFeatures(features) };
    },
    forQuery: (bytes) => analyseImage(bytes, { purpose: "query", limits: options }),
    forWatch: (bytes) => analyseForWatch(bytes, options),
    fingerprint: (bytes) => fingerprintImage(bytes, options),
  };
}
