/**
 * Everything the service derives from an uploaded image, from one decode: the fingerprint (SHA-256, PDQ, pHash,
 * thumbnail; src/imaging) and the local features the matcher needs. Registration and search each decoded the image
 * twice before (once per purpose, ~10–20 ms each).
 *
 * A plain async function of serialisable values (bytes and limits in; typed arrays, strings, a bigint and a Buffer
 * out) with no state beyond the ORB detector, so that it can run in a worker thread.
 */
import { fromHex } from "../core/hex";
import { decodeImage, resizedDecoded, type DecodedImage, type DecodeOptions } from "../imaging/decode";
import { fingerprintDecoded, type Fingerprint } from "../imaging/fingerprint";
import { DETAIL_SIDE, detailGrey, globalHash, orbFeaturesOffThread, topFeatures, workingGrey, WORK_SIZE, type GreyImage, type ImageFeatures } from "./features";
import { STORED_KEYPOINTS } from "./matcher";
import { hashKernels } from "./native-addon";
import { loadOrbDetector } from "./orb-detector";

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
   * over the image (serialise them with serializeFeatures). For a query: the first view, plus the grey images
   * from which the matcher derives the mirrored, dense and detail views only when it needs them.
   */
  features: ImageFeatures;
}

/** A query this much larger than the working image gets a detail view (below it, the two would nearly coincide). */
const DETAIL_MIN_SIDE = 1.25 * WORK_SIZE;

export async function analyseImage(bytes: Buffer, { purpose, limits = {} }: AnalyseOptions): Promise<ImageAnalysis> {
  const { large, image } = purpose === "query" ? await decodeQuery(bytes, limits) : { large: undefined, image: await decodeImage(bytes, limits) };
  const detailed = large && Math.max(large.rgbWidth, large.rgbHeight) > DETAIL_MIN_SIDE ? large : undefined;
  // ORB, the longest step, starts first and runs off this thread, while the detail image and the hashes are made
  // here and the thumbnail on libuv's threads.
  const { grey, found: finding } = await firstView(image);
  const [found, detail, fingerprint] = await Promise.all([finding, detailed ? detailGrey(detailed) : undefined, fingerprintDecoded(bytes, image, hashKernels())]);
  const features: ImageFeatures = purpose === "original" ? topFeatures(found, STORED_KEYPOINTS) : { ...found, grey, ...(detail ? { detailGrey: detail } : {}) };
  features.pdq = { hash: fromHex(fingerprint.pdq), quality: fingerprint.pdqQuality };
  return { fingerprint, features };
}

/**
 * A new upload as the watch matches it (src/use-cases/watch.ts): a search query's first view, working grey image and
 * PDQ, from the same pixels, so the same features as analyseImage's "query", without what only a search uses. The
 * watch runs on every upload, most of them unrelated, and matches the first view, its mirror image and the dense
 * second pass, not the detail view and its region proposals: for an unrelated picture those are a search's
 * costliest case (up to a second of ORB on the analysis workers), and on every upload they would take the workers
 * from clients' uploads (a copy inside a larger picture is found by a search instead; README, Watch alerts). So
 * no detail image, and no SHA-256, pHash or thumbnail either: the upload's own analysis, when it was stored, made
 * those.
 */
export async function analyseForWatch(bytes: Buffer, limits: AnalyseOptions["limits"] = {}): Promise<ImageFeatures> {
  const { image } = await decodeQuery(bytes, limits);
  const { grey, found } = await firstView(image);
  // The PDQ is computed here (the async function runs at once) while ORB runs off this thread.
  const [features, pdq] = await Promise.all([found, (async () => globalHash(image))()]);
  return { ...features, grey, pdq };
}

/**
 * A query's pixels, decoded once at its detail size (`large`), and the pixels of its hashes and first view resized
 * from that (`image`; PDQ 0–2 bits from a direct decode on the benchmark's photos over 1 100 px). The search and the
 * watch both take them from here, so the watch's first view is the search's. Exported for bench:query, which times
 * a query's serial steps one by one.
 */
export async function decodeQuery(bytes: Buffer, limits: AnalyseOptions["limits"]): Promise<{ large: DecodedImage; image: DecodedImage }> {
  const large = await decodeImage(bytes, { ...limits, maxSide: DETAIL_SIDE });
  return { large, image: await resizedDecoded(large) };
}

/**
 * The working grey image, and the ORB features being found on it off this thread (orbFeaturesOffThread), so that
 * the caller's other work runs beside them. Exported for bench:query, as decodeQuery.
 */
export async function firstView(image: DecodedImage): Promise<{ grey: GreyImage; found: Promise<ImageFeatures> }> {
  const [grey, orb] = await Promise.all([workingGrey(image), loadOrbDetector()]);
  return { grey, found: orbFeaturesOffThread(orb, grey) };
}
