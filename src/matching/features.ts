/**
 * Local features of one image: ORB keypoints + 256-bit binary descriptors on a normalised grey
 * image scaled to WORK_SIZE px on its longest side (small images are enlarged, so flat product
 * photos of ~320 px still yield keypoints).
 *
 * Pipeline: the decode the fingerprint uses (src/imaging: oriented sRGB, ~576 px) → greyscale → resize →
 * normalise (src/imaging/normalise-grey.ts) → ORB with an adaptive FAST threshold (20 → 8 → 3 while fewer than
 * MIN_KEYPOINTS are found). The image is decoded once for both (analyse-image.ts).
 */
import sharp, { type ResizeOptions } from "sharp";
import { ImprintError } from "../core/errors";
import { decodeImage, type DecodedImage } from "../imaging/decode";
import { enlargeGrey } from "../imaging/enlarge-grey";
import { pdqOfDecoded } from "../imaging/hash-kernels";
import { normaliseGrey } from "../imaging/normalise-grey";
import { reduceLikeSharp, sharpShrinks } from "../imaging/reduce";
import { strongestFirst, takeRows } from "./keypoint-order";
import { hashKernels, nativeAddon, nativeEnlargePasses, nativeNormaliseKernels, nativeReducePasses } from "./native-addon";
import { loadedOrbDetector, loadOrbDetector, type OrbDetection, type OrbDetector } from "./orb-detector";

export const WORK_SIZE = 512;
export const DESCRIPTOR_BYTES = 32;
const MAX_KEYPOINTS = 500;
/** ORB is asked for this many, then MAX_KEYPOINTS are picked spread over a GRID×GRID grid. */
const DETECT_KEYPOINTS = 1000;
const GRID = 4;
const MIN_KEYPOINTS = 250;
const FAST_THRESHOLDS = [20, 8, 3] as const;

export interface ImageFeatures {
  /** Size of the working image the keypoints live in (longest side = WORK_SIZE). */
  width: number;
  height: number;
  /** (x, y) per keypoint, in working-image pixels. */
  keypoints: Float32Array;
  /**
   * n × 32 bytes, row i belongs to keypoint i. Rows are in round-robin order over a 4×4 grid (the
   * strongest of every cell, then the second strongest, …), so any prefix is spread over the image
   * and a text watermark's high-contrast corners cannot crowd out the photo's own keypoints.
   */
  descriptors: Uint8Array;
  /** Features of the horizontally mirrored image (queries only; never stored). */
  mirrored?: ImageFeatures;
  /** Global PDQ hash of the image (optional second path for near-exact copies). */
  pdq?: GlobalHash;
  /**
   * A query's grey working image (never stored): the matcher derives the mirrored view from it only when the
   * first view is not conclusive, and denser features only for an ambiguous query (denseQueryFeatures).
   */
  grey?: GreyImage;
  /**
   * A query's grey image at up to DETAIL_SIDE px (never stored), when it is larger than the working image: a copy
   * that fills only part of a collage, screenshot or banner is found in its detail view (detailFeatures).
   */
  detailGrey?: GreyImage;
}

export interface GlobalHash {
  hash: Uint8Array; // 32 bytes, as core/pdq
  quality: number;
}

export interface GreyImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export function keypointCount(f: ImageFeatures): number {
  return f.keypoints.length / 2;
}

/** The grey working image: the decoded pixels (src/imaging decodeImage) greyed, resized to WORK_SIZE and normalised. */
export function workingGrey(image: DecodedImage): Promise<GreyImage> {
  return normalisedGrey(image, { width: WORK_SIZE, height: WORK_SIZE, fit: "inside", kernel: "lanczos3" });
}

/** Grey and normalised at the decoded size (at most DETAIL_SIDE): a query's detail view. */
export function detailGrey(image: DecodedImage): Promise<GreyImage> {
  return normalisedGrey(image, { width: DETAIL_SIDE, height: DETAIL_SIDE, fit: "inside", withoutEnlargement: true, kernel: "lanczos3" });
}

/**
 * The pixels greyed, resized, then normalised: what sharp's greyscale().resize().normalise() gives, bit for bit.
 * sharp greys before it resizes. Where the native addon is built, it greys (libvips' arithmetic, compiled) and
 * src/imaging resizes where it reproduces sharp (a lanczos3 reduction by at most 2, or an enlargement to fit a
 * square), so no libvips pipeline runs: its resize cost more than the rest together (README, bench:query). Any
 * other resize, and every resize without the addon (the TypeScript passes are slower than libvips here), stays
 * with sharp.
 */
async function normalisedGrey(image: DecodedImage, resize: ResizeOptions): Promise<GreyImage> {
  const { width = 0, height = 0, fit, kernel, withoutEnlargement = false } = resize;
  const native = nativeAddon();
  const passes = nativeReducePasses();
  const kernels = nativeNormaliseKernels();
  if (native && passes && fit === "inside" && kernel === "lanczos3" && width > 0 && height > 0) {
    const grey = { width: image.rgbWidth, height: image.rgbHeight, channels: 1 as const, data: native.greyscale(image.rgb) };
    const { hshrink, vshrink } = sharpShrinks(grey.width, grey.height, width, height, "inside", withoutEnlargement);
    const whole = { left: 0, top: 0, width: grey.width, height: grey.height };
    const sized =
      reduceLikeSharp(grey, hshrink, vshrink, passes) ??
      (hshrink < 1 && width === height ? enlargeGrey(grey, whole, width, nativeEnlargePasses()) : undefined);
    if (sized) return { width: sized.width, height: sized.height, data: await normaliseGrey(sized.data, sized.width, sized.height, kernels) };
  }
  const { data, info } = await sharp(image.rgb, { raw: { width: image.rgbWidth, height: image.rgbHeight, channels: 3 } })
    .greyscale()
    .resize(resize)
    .raw()
    .toBuffer({ resolveWithObject: true });
  invariantChannels(info.channels);
  const grey = new Uint8Array(data.buffer, data.byteOffset, data.length);
  return { width: info.width, height: info.height, data: await normaliseGrey(grey, info.width, info.height, kernels) };
}

function invariantChannels(channels: number): void {
  if (channels !== 1) throw new Error(`invariant violated: expected 1 grey channel, got ${channels}`);
}

/** Mirror a grey image left↔right: each row copied, then reversed in place (a typed array's own loop). */
export function flipGrey(img: GreyImage): GreyImage {
  const { width, height, data } = img;
  const out = new Uint8Array(data.length);
  for (let row = 0; row < height * width; row += width) {
    out.set(data.subarray(row, row + width), row);
    out.subarray(row, row + width).reverse();
  }
  return { width, height, data: out };
}

/** ORB on a grey image: the strongest `maxKeypoints` of `detectKeypoints`, at the first FAST threshold that finds enough. */
export function orbFeatures(
  orb: OrbDetector,
  img: GreyImage,
  maxKeypoints = MAX_KEYPOINTS,
  detectKeypoints = DETECT_KEYPOINTS,
  fastThresholds: readonly number[] = FAST_THRESHOLDS,
  grid = GRID,
): ImageFeatures {
  const search = new ThresholdSearch(img, maxKeypoints, grid);
  for (const fast of fastThresholds) if (search.enough(orb.detect(img, detectKeypoints, fast))) break;
  return search.best();
}

/**
 * orbFeatures with its defaults, ORB running off this thread where the detector can (the native build): a query's
 * other work (its detail image, its hashes) runs on this thread meanwhile. The same features.
 */
export async function orbFeaturesOffThread(orb: OrbDetector, img: GreyImage): Promise<ImageFeatures> {
  if (!orb.detectOffThread) return orbFeatures(orb, img);
  const search = new ThresholdSearch(img, MAX_KEYPOINTS, GRID);
  for (const fast of FAST_THRESHOLDS) if (search.enough(await orb.detectOffThread(img, DETECT_KEYPOINTS, fast))) break;
  return search.best();
}

/** ORB at one FAST threshold after another: the detection with the most keypoints, until one has MIN_KEYPOINTS. */
class ThresholdSearch {
  private found: ImageFeatures | undefined;

  constructor(
    private readonly img: GreyImage,
    private readonly maxKeypoints: number,
    private readonly grid: number,
  ) {}

  /** Takes one threshold's detection; true when it found enough that no lower threshold is tried. */
  enough(detection: OrbDetection): boolean {
    const found = spread(byResponse(this.img, detection), this.maxKeypoints, this.grid);
    if (!this.found || keypointCount(found) > keypointCount(this.found)) this.found = found;
    return keypointCount(found) >= MIN_KEYPOINTS;
  }

  best(): ImageFeatures {
    const { width, height, keypoints, descriptors } = this.found!;
    return { width, height, keypoints, descriptors };
  }
}

/** ORB's keypoints in order of response, strongest first (equal ones in detection order). */
function byResponse(img: GreyImage, { points, responses, descriptors }: OrbDetection): ImageFeatures {
  return { width: img.width, height: img.height, ...takeRows(points, descriptors, strongestFirst(responses)) };
}

/** Pick `n` keypoints round-robin over a grid×grid grid, strongest first within each cell. */
function spread(f: ImageFeatures, n: number, grid: number): ImageFeatures {
  const total = keypointCount(f);
  const cells: number[][] = Array.from({ length: grid * grid }, () => []);
  for (let i = 0; i < total; i++) {
    // Input rows are sorted by response, so each cell list is too.
    const cx = Math.min(grid - 1, Math.floor((f.keypoints[2 * i] / f.width) * grid));
    const cy = Math.min(grid - 1, Math.floor((f.keypoints[2 * i + 1] / f.height) * grid));
    cells[cy * grid + cx].push(i);
  }
  const order: number[] = [];
  for (let rank = 0; order.length < Math.min(n, total); rank++) {
    for (const cell of cells) if (rank < cell.length && order.length < n) order.push(cell[rank]);
  }
  return { width: f.width, height: f.height, ...takeRows(f.keypoints, f.descriptors, order) };
}

export interface ExtractOptions {
  /** Also extract features of the mirrored image, and keep the working image for a dense second pass (queries). */
  mirrored?: boolean;
  /** Also compute the global PDQ hash (from the same decode; default true). */
  pdq?: boolean;
}

/**
 * Features of an encoded image (JPEG/PNG/WebP); with `mirrored`, also those of its mirror image. For tests and
 * benchmarks: the service analyses an upload once for its fingerprint and features (analyseImage).
 */
export async function extractFeatures(bytes: Buffer, options: ExtractOptions = {}): Promise<ImageFeatures> {
  let image: DecodedImage;
  try {
    image = await decodeImage(bytes);
  } catch (err) {
    throw new ImprintError("image_undecodable", "The image could not be decoded.", { cause: err });
  }
  const [grey, orb] = await Promise.all([workingGrey(image), loadOrbDetector()]);
  const f = featuresFromGrey(orb, grey, options);
  if (options.pdq !== false) f.pdq = globalHash(image);
  return f;
}

/** PDQ exactly as the fingerprint computes it (src/imaging decode → luma → core/pdq). */
export function globalHash(img: DecodedImage): GlobalHash {
  return pdqOfDecoded(img, hashKernels());
}

export function featuresFromGrey(orb: OrbDetector, grey: GreyImage, options: ExtractOptions = {}): ImageFeatures {
  const f = orbFeatures(orb, grey);
  if (options.mirrored) {
    f.mirrored = orbFeatures(orb, flipGrey(grey));
    f.grey = grey;
  }
  return f;
}

/** The features of a query's mirror image: computed from its working image on first use (ORB must be loaded). */
export function mirroredFeatures(q: ImageFeatures): ImageFeatures | undefined {
  if (!q.mirrored && q.grey) q.mirrored = orbFeatures(loadedOrbDetector(), flipGrey(q.grey));
  return q.mirrored;
}

/**
 * Second-pass query features: up to DENSE_KEYPOINTS keypoints at a single low FAST threshold, so
 * that a smooth photo under a high-contrast watermark (whose corners fill the first 500 at FAST 20)
 * or a small rotated object photo still yields keypoints where the original's were found.
 */
export const DENSE_KEYPOINTS = 1000;
export const DENSE_DETECT = 2000;
export const DENSE_FAST = [5] as const;

/** Dense features (normal + mirrored) of a query that kept its working image, or undefined. ORB must be loaded. */
export function denseQueryFeatures(q: ImageFeatures): ImageFeatures | undefined {
  if (!q.grey) return undefined;
  const orb = loadedOrbDetector();
  const f = orbFeatures(orb, q.grey, DENSE_KEYPOINTS, DENSE_DETECT, DENSE_FAST);
  f.mirrored = orbFeatures(orb, flipGrey(q.grey), DENSE_KEYPOINTS, DENSE_DETECT, DENSE_FAST);
  return f;
}

/**
 * The detail view of a query (issue 13: a copy covering 20–60 % of a collage, screenshot or banner). At the working
 * size such a copy spans 100–300 px and holds a few dozen of the 500 keypoints, the rest going to the content around
 * it; at up to DETAIL_SIDE px with DETAIL_KEYPOINTS spread over a finer grid, the copy keeps enough of its own.
 */
export const DETAIL_SIDE = 1024;
export const DETAIL_KEYPOINTS = 2500;
const DETAIL_DETECT = 5000;
const DETAIL_GRID = 8;

/** Features of a query's detail view, or undefined when it has none (ORB must be loaded). */
export function detailFeatures(q: ImageFeatures): ImageFeatures | undefined {
  if (!q.detailGrey) return undefined;
  return orbFeatures(loadedOrbDetector(), q.detailGrey, DETAIL_KEYPOINTS, DETAIL_DETECT, FAST_THRESHOLDS, DETAIL_GRID);
}

/**
 * Region proposals of a query's detail view (issue 13): windows of WINDOW_SHARE of its longest side, WINDOW_STRIDE
 * of a window apart, each enlarged to WORK_SIZE. A copy at 20–30 % of a collage's width spans 200–300 px of the
 * detail view, a scale of 0.4–0.6 against the original's working image; ORB's pyramid only shrinks, so the
 * original's strongest (finest-level) descriptors, the ones in the candidate index, have no counterpart in the
 * query, and its votes drown among those the surrounding content gives other images. Enlarged in a window, the copy
 * is at ~0.8× and competes only with what shares its window (docs/calibration.md, "Region proposals").
 */
export const WINDOW_SHARE = 0.25;
const WINDOW_STRIDE = 0.75;

/** Part `part` (from 0) of `parts` contiguous parts of a query's region proposals. */
export interface WindowShare {
  part: number;
  parts: number;
}

/** The window origins along one side: every `stride`, the last one flush with the end. */
function windowStarts(side: number, size: number, stride: number): number[] {
  const starts: number[] = [];
  for (let at = 0; ; at += stride) {
    starts.push(Math.min(at, side - size));
    if (at + size >= side) return starts;
  }
}

/** The region proposals of a detail view: their size (w × h) and top-left corners, row by row. */
export function windowLayout(g: GreyImage): { width: number; height: number; origins: { left: number; top: number }[] } {
  const size = Math.round(WINDOW_SHARE * Math.max(g.width, g.height));
  const width = Math.min(size, g.width), height = Math.min(size, g.height), stride = Math.round(WINDOW_STRIDE * size);
  const origins = windowStarts(g.height, height, stride).flatMap((top) => windowStarts(g.width, width, stride).map((left) => ({ left, top })));
  return { width, height, origins };
}

/**
 * The features of each region proposal, keypoints mapped back into the detail view's coordinates (so a hit's
 * geometry and `region` are stated in the detail view, like the detail pass's). Empty without a detail view.
 * With `share`, only that contiguous part of the windows (in the same order), so that several threads can each
 * make a part of one query's windows. Each window is enlarged to WORK_SIZE as sharp enlarges it (enlargeGrey: the
 * same bytes, without a pipeline per window) and its ORB runs at once.
 */
export function windowFeatures(q: ImageFeatures, share: WindowShare = { part: 0, parts: 1 }): ImageFeatures[] {
  const g = q.detailGrey;
  if (!g) return [];
  const { width: w, height: h, origins } = windowLayout(g);
  const perPart = Math.ceil(origins.length / share.parts);
  const orb = loadedOrbDetector();
  const passes = nativeEnlargePasses();
  return origins.slice(share.part * perPart, (share.part + 1) * perPart).map(({ left, top }) => {
    const window = enlargeGrey(g, { left, top, width: w, height: h }, WORK_SIZE, passes);
    const k = w / window.width;
    const f = orbFeatures(orb, window);
    for (let i = 0; i < f.keypoints.length; i += 2) {
      f.keypoints[i] = left + f.keypoints[i] * k;
      f.keypoints[i + 1] = top + f.keypoints[i + 1] * k;
    }
    return { ...f, width: g.width, height: g.height };
  });
}

/** Keep the first `n` keypoints (rows are in spread order, so the prefix covers the whole image). */
export function topFeatures(f: ImageFeatures, n: number): ImageFeatures {
  const k = Math.min(n, keypointCount(f));
  return {
    width: f.width,
    height: f.height,
    keypoints: f.keypoints.slice(0, k * 2),
    descriptors: f.descriptors.slice(0, k * DESCRIPTOR_BYTES),
    ...(f.pdq ? { pdq: f.pdq } : {}),
  };
}
