/**
 * Everything the service derives from an uploaded image, from one decode: the fingerprint (SHA-256, PDQ, pHash,
 * thumbnail; src/imaging) and the local features the matcher needs. Registration and search each decoded the image
 * twice before (once per purpose, ~10–20 ms each).
 *
 * A plain async function of serialisable values (bytes and limits in; typed arrays, strings, a bigint and a Buffer
 * out) with no state beyond the OpenCV module, so that it can run in a worker thread.
 */
import { fromHex } from "../core/hex";
import { decodeImage, type DecodeOptions } from "../imaging/decode";
import { fingerprintDecoded, type Fingerprint } from "../imaging/fingerprint";
import { orbFeatures, topFeatures, workingGrey, type ImageFeatures } from "./features";
import { STORED_KEYPOINTS } from "./matcher";
import { loadOpenCv } from "./opencv";

/** An image to store (an original or a listing: its features are kept for verification), or a search query. */
export type ImagePurpose = "original" | "query";

export interface AnalyseOptions {
  purpose: ImagePurpose;
  /** Byte and pixel limits (defaults: src/imaging's). */
  limits?: Pick<DecodeOptions, "maxBytes" | "maxPixels">;
}

export interface ImageAnalysis {
  fingerprint: Fingerprint;
  /**
   * The image's local features, with its PDQ. For an original: the STORED_KEYPOINTS strongest keypoints, spread
   * over the image (serialise them with serializeFeatures). For a query: the first view, plus the grey working
   * image from which the matcher derives the mirrored and dense views only when it needs them.
   */
  features: ImageFeatures;
}

export async function analyseImage(bytes: Buffer, { purpose, limits = {} }: AnalyseOptions): Promise<ImageAnalysis> {
  const image = await decodeImage(bytes, limits);
  // The thumbnail and the grey working image are made on libuv threads while the hashes run here.
  const [fingerprint, grey, { cv }] = await Promise.all([fingerprintDecoded(bytes, image), workingGrey(image), loadOpenCv()]);
  const orb = orbFeatures(cv, grey);
  const features: ImageFeatures = purpose === "original" ? topFeatures(orb, STORED_KEYPOINTS) : { ...orb, grey };
  features.pdq = { hash: fromHex(fingerprint.pdq), quality: fingerprint.pdqQuality };
  return { fingerprint, features };
}
