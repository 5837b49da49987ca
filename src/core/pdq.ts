/**
 * Meta's PDQ perceptual hash (256 bits + a 0–100 quality) on a float luminance image, following the reference
 * implementation (facebook/ThreatExchange pdq/cpp: hashing/pdqhashing.cpp, downscaling/downscaling.cpp):
 *   luma (0.299 R + 0.587 G + 0.114 B) → two passes of Jarosz box filters along rows then columns, window
 *   ceil(dim / 128) → decimate to 64×64 at pixel centres → quality from gradients → DCT rows 1–16 × cols 1–16
 *   → bit k (k = 16·row + col) set when the coefficient is above the median (the lower median, as Torben's).
 * Hex/byte order is the reference's: its sixteen 16-bit words printed from word 15 down to word 0, so bit k lives
 * in byte 31 − ⌊k/8⌋, bit k mod 8. Pure: no I/O, and no allocation per pixel (scratch buffers are reused).
 */
import { dctLowFrequencies, dctMatrix } from "./dct";
import { invariant } from "./errors";

export const PDQ_HASH_BYTES = 32;
/** Images smaller than this on either side hash to all zeros with quality 0 (as the reference). */
export const PDQ_MIN_HASHABLE_DIM = 5;

export interface PdqResult {
  hash: Uint8Array; // 32 bytes, reference order
  quality: number; // 0–100; the reference suggests discarding ≤ 49
}

/** The 8 dihedral images of the input, named as in the search feature (reference names in brackets). */
export const PDQ_DIHEDRAL_NAMES = [
  "original",
  "rot90", // [Rotate90]
  "rot180",
  "rot270",
  "flipX", // [FlipX]: upside down
  "flipY", // [FlipY]: mirrored left–right
  "transpose", // [FlipPlus1]: mirrored across the main diagonal
  "transverse", // [FlipMinus1]: mirrored across the anti-diagonal
] as const;
export type PdqDihedralName = (typeof PDQ_DIHEDRAL_NAMES)[number];

export interface PdqDihedralResult {
  quality: number;
  hashes: Record<PdqDihedralName, Uint8Array>;
}

/** The DCT basis of PDQ's 16×16 low frequencies from its 64×64 downsample (a compiled PDQ takes this one, to give the same bits). */
export const PDQ_DCT_BASIS = dctMatrix(16, 64, 1);

// Reused scratch (JS is single-threaded per isolate, and nothing here awaits).
let scratchA = new Float32Array(0);
let scratchB = new Float32Array(0);
const buf64 = new Float32Array(64 * 64);
const tmp16x64 = new Float32Array(16 * 64);
const dct16 = new Float32Array(256);
const aux16 = new Float32Array(256);
const sortBuf = new Float32Array(256);

/** RGB(A) interleaved 8-bit pixels → float luma with the reference coefficients. */
export function lumaFromRgb(pixels: Uint8Array, width: number, height: number, channels: number): Float32Array {
  invariant(channels >= 3 && pixels.length >= width * height * channels, "lumaFromRgb: buffer too short");
  const n = width * height;
  const luma = new Float32Array(n);
  for (let i = 0, p = 0; i < n; i++, p += channels) {
    luma[i] = 0.299 * pixels[p] + 0.587 * pixels[p + 1] + 0.114 * pixels[p + 2];
  }
  return luma;
}

/** PDQ hash and quality of a luma image (row-major, width × height). The input is not modified. */
export function pdqFromLuma(luma: Float32Array, width: number, height: number): PdqResult {
  const hash = new Uint8Array(PDQ_HASH_BYTES);
  if (width < PDQ_MIN_HASHABLE_DIM || height < PDQ_MIN_HASHABLE_DIM) return { hash, quality: 0 };
  const quality = pdqDct16(luma, width, height);
  bitsAboveMedian(dct16, hash);
  return { hash, quality };
}

/**
 * The hashes of the 8 dihedral transforms of the image, derived from one DCT (sign flips and transposes of the
 * 16×16 coefficients, as the reference's dct16OriginalTo*), so the luma is filtered only once.
 */
export function pdqDihedral(luma: Float32Array, width: number, height: number): PdqDihedralResult {
  const hashes = {} as Record<PdqDihedralName, Uint8Array>;
  for (const name of PDQ_DIHEDRAL_NAMES) hashes[name] = new Uint8Array(PDQ_HASH_BYTES);
  if (width < PDQ_MIN_HASHABLE_DIM || height < PDQ_MIN_HASHABLE_DIM) return { quality: 0, hashes };
  const quality = pdqDct16(luma, width, height);
  for (const name of PDQ_DIHEDRAL_NAMES) {
    dihedralOfDct(dct16, name, aux16);
    bitsAboveMedian(aux16, hashes[name]);
  }
  return { quality, hashes };
}

/** Fills `dct16` with the 16×16 DCT of the 64×64 downsample; returns the quality. */
function pdqDct16(luma: Float32Array, width: number, height: number): number {
  invariant(luma.length >= width * height, "pdq: luma buffer shorter than width × height");
  if (width === 64 && height === 64) {
    buf64.set(luma.subarray(0, 4096));
  } else {
    const n = width * height;
    if (scratchA.length < n) {
      scratchA = new Float32Array(n);
      scratchB = new Float32Array(n);
    }
    const a = scratchA;
    const b = scratchB;
    a.set(luma.subarray(0, n));
    const windowAlongRows = jaroszWindowSize(width, 64);
    const windowAlongCols = jaroszWindowSize(height, 64);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < height; i++) box1D(a, b, i * width, width, 1, windowAlongRows);
      boxAlongColumns(b, a, width, height, windowAlongCols);
    }
    decimate(a, width, height, buf64);
  }
  const quality = qualityOf64(buf64);
  dctLowFrequencies(buf64, 64, PDQ_DCT_BASIS, 16, tmp16x64, dct16);
  return quality;
}

/** The reference's computeJaroszFilterWindowSize: ceil(old / (2 · new)). */
export function jaroszWindowSize(oldDimension: number, newDimension: number): number {
  return Math.floor((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
}

/** The reference's box1DFloat: centred running mean with shrinking windows at the edges. */
function box1D(inv: Float32Array, outv: Float32Array, start: number, length: number, stride: number, window: number) {
  const half = (window + 2) >> 1;
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = length - window;
  const phase4 = half - 1;
  let li = start;
  let ri = start;
  let oi = start;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < phase1; i++) {
    sum += inv[ri];
    count++;
    ri += stride;
  }
  for (let i = 0; i < phase2; i++) {
    sum += inv[ri];
    count++;
    outv[oi] = sum / count;
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < phase3; i++) {
    sum += inv[ri] - inv[li];
    outv[oi] = sum / count;
    li += stride;
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < phase4; i++) {
    sum -= inv[li];
    count--;
    outv[oi] = sum / count;
    li += stride;
    oi += stride;
  }
}

/**
 * box1D down every column at once, sweeping rows so memory is read in order (same sums in the same order per column
 * as the reference's strided boxAlongColsFloat, so the same values). `sums` holds one running sum per column.
 */
let columnSums = new Float64Array(0);
function boxAlongColumns(inv: Float32Array, outv: Float32Array, width: number, height: number, window: number) {
  if (columnSums.length < width) columnSums = new Float64Array(width);
  const sums = columnSums;
  sums.fill(0, 0, width);
  const half = (window + 2) >> 1;
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = height - window;
  const phase4 = half - 1;
  let li = 0;
  let ri = 0;
  let oi = 0;
  let count = 0;
  for (let i = 0; i < phase1; i++, ri += width) {
    for (let j = 0; j < width; j++) sums[j] += inv[ri + j];
    count++;
  }
  for (let i = 0; i < phase2; i++, ri += width, oi += width) {
    count++;
    for (let j = 0; j < width; j++) outv[oi + j] = (sums[j] += inv[ri + j]) / count;
  }
  for (let i = 0; i < phase3; i++, ri += width, li += width, oi += width) {
    for (let j = 0; j < width; j++) outv[oi + j] = (sums[j] += inv[ri + j] - inv[li + j]) / count;
  }
  for (let i = 0; i < phase4; i++, li += width, oi += width) {
    count--;
    for (let j = 0; j < width; j++) outv[oi + j] = (sums[j] -= inv[li + j]) / count;
  }
}

/** Samples the 64×64 pixel centres (the reference's decimateFloat). */
function decimate(src: Float32Array, width: number, height: number, out: Float32Array): void {
  for (let oi = 0; oi < 64; oi++) {
    const row = Math.floor(((oi + 0.5) * height) / 64) * width;
    for (let oj = 0; oj < 64; oj++) {
      out[oi * 64 + oj] = src[row + Math.floor(((oj + 0.5) * width) / 64)];
    }
  }
}

/** The reference's pdqImageDomainQualityMetric: sum of quantised gradients / 90, capped at 100. */
function qualityOf64(b: Float32Array): number {
  let gradientSum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      gradientSum += Math.abs(Math.trunc(((b[i * 64 + j] - b[(i + 1) * 64 + j]) * 100) / 255));
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      gradientSum += Math.abs(Math.trunc(((b[i * 64 + j] - b[i * 64 + j + 1]) * 100) / 255));
    }
  }
  return Math.min(100, Math.floor(gradientSum / 90));
}

/** B = the 16×16 DCT of the transformed image, from A = the DCT of the original (reference sign tables). */
function dihedralOfDct(a: Float32Array, name: PdqDihedralName, b: Float32Array): void {
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      const v = a[i * 16 + j];
      switch (name) {
        case "original":
          b[i * 16 + j] = v;
          break;
        case "rot90":
          b[j * 16 + i] = j & 1 ? v : -v;
          break;
        case "rot180":
          b[i * 16 + j] = (i + j) & 1 ? -v : v;
          break;
        case "rot270":
          b[j * 16 + i] = i & 1 ? v : -v;
          break;
        case "flipX":
          b[i * 16 + j] = i & 1 ? v : -v;
          break;
        case "flipY":
          b[i * 16 + j] = j & 1 ? v : -v;
          break;
        case "transpose":
          b[j * 16 + i] = v;
          break;
        case "transverse":
          b[j * 16 + i] = (i + j) & 1 ? -v : v;
          break;
      }
    }
  }
}

/** Bit k set when coefficient k is strictly above the lower median (Torben's), in the reference byte order. */
function bitsAboveMedian(coefficients: Float32Array, out: Uint8Array): void {
  sortBuf.set(coefficients);
  sortBuf.sort();
  const median = sortBuf[127];
  out.fill(0);
  for (let k = 0; k < 256; k++) {
    if (coefficients[k] > median) out[31 - (k >> 3)] |= 1 << (k & 7);
  }
}
