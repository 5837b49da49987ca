/**
 * The classic 64-bit DCT perceptual hash (as Python imagehash's `phash`): a 32×32 greyscale image → 2-D DCT-II →
 * the 8×8 lowest frequencies (DC included) → bit set when the coefficient is above their median (mean of the two
 * middle values). Bit order: coefficient (row r, column c) is bit 63 − (8r + c), i.e. the hash read as 16 hex
 * digits lists the coefficients row by row, most significant first. Pure: no I/O.
 */
import { dctLowFrequencies, dctMatrix } from "./dct";
import { invariant } from "./errors";

export const PHASH_INPUT_SIDE = 32;

const DCT_8x32 = dctMatrix(8, 32, 0);
const tmp8x32 = new Float32Array(8 * 32);
const low8 = new Float32Array(64);
const sorted = new Float32Array(64);

/** pHash of a 32×32 greyscale image (1 024 values, row-major, any scale). Returns an unsigned 64-bit bigint. */
export function phashFromGrey32(grey: Float32Array): bigint {
  invariant(grey.length === 1024, "phashFromGrey32 needs exactly 32×32 values");
  dctLowFrequencies(grey, 32, DCT_8x32, 8, tmp8x32, low8);
  sorted.set(low8);
  sorted.sort();
  const median = (sorted[31] + sorted[32]) / 2;
  let hi = 0;
  let lo = 0;
  for (let k = 0; k < 32; k++) hi = (hi << 1) | (low8[k] > median ? 1 : 0);
  for (let k = 32; k < 64; k++) lo = (lo << 1) | (low8[k] > median ? 1 : 0);
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/**
 * Area-average downsample of a luma image to the 32×32 pHash input (each output pixel is the exact mean of the
 * input rectangle it covers, fractional edges weighted). Stretches to a square, as the classic pHash does.
 */
export function grey32FromLuma(luma: Float32Array, width: number, height: number): Float32Array {
  invariant(width > 0 && height > 0 && luma.length >= width * height, "grey32FromLuma: bad dimensions");
  const out = new Float32Array(1024);
  const cols = new Float32Array(32 * height); // first pass: each row squeezed to 32 columns
  const sx = width / 32;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let ox = 0; ox < 32; ox++) {
      const x0 = ox * sx;
      const x1 = x0 + sx;
      let s = 0;
      for (let x = Math.floor(x0); x < x1 && x < width; x++) {
        const w = Math.min(x + 1, x1) - Math.max(x, x0);
        s += w * luma[row + x];
      }
      cols[y * 32 + ox] = s / sx;
    }
  }
  const sy = height / 32;
  for (let oy = 0; oy < 32; oy++) {
    const y0 = oy * sy;
    const y1 = y0 + sy;
    for (let ox = 0; ox < 32; ox++) {
      let s = 0;
      for (let y = Math.floor(y0); y < y1 && y < height; y++) {
        const w = Math.min(y + 1, y1) - Math.max(y, y0);
        s += w * cols[y * 32 + ox];
      }
      out[oy * 32 + ox] = s / sy;
    }
  }
  return out;
}
