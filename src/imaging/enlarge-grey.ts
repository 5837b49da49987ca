/**
 * A rectangle of a grey image enlarged to fit a square, byte for byte as sharp gives it for
 * `extract(rect).resize(side, side, { fit: "inside" })`, without a libvips pipeline per call.
 *
 * libvips (8.18, in sharp 0.35) enlarges with an affine transform and its bicubic (Catmull-Rom) interpolator, in
 * 12-bit fixed point: the inverse scale stepped along each output row from a half-pixel offset, 65 interpolation
 * phases, a horizontal then a vertical pass rounded in between, the rectangle's edge pixels repeated beyond it. This
 * does the same arithmetic in the same order, so the bytes are the same (test/enlarge-grey.test.ts holds them to
 * sharp's on real and random images, at whole and fractional factors); a region proposal's features, which were
 * calibrated on sharp's enlargement, are therefore unchanged. A pipeline per window cost more CPU than the
 * enlargement itself (README, bench:query).
 */

/** One 8-bit channel, row by row (src/matching's GreyImage has this shape). */
export interface GreyPixels {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Fixed point of the interpolation weights, and the phases of a pixel (VIPS_INTERPOLATE_SHIFT, VIPS_TRANSFORM_SCALE). */
const WEIGHT_SHIFT = 12;
const HALF = 1 << (WEIGHT_SHIFT - 1);
const PHASES = 64;

/** The four Catmull-Rom weights of each phase 0 … PHASES (both ends included), as libvips tabulates them. */
const WEIGHTS: Int32Array[] = Array.from({ length: PHASES + 1 }, (_, phase) => {
  const x = Math.fround(phase / PHASES);
  const cr1 = 1 - x, cr2 = -0.5 * x, cr3 = cr1 * cr2;
  const cone = cr1 * cr3, cfou = x * cr3, cr4 = cfou - cone;
  const ctwo = cr1 - cone + cr4, cthr = x - cfou - cr4;
  return Int32Array.from([cone, ctwo, cthr, cfou], (c) => Math.trunc(c * (1 << WEIGHT_SHIFT)));
});

/** The horizontal pass's rows, kept between calls (a window's are ~0.5 MB: allocating them each time made garbage). */
let scratch = new Int32Array(0);

export interface GreyRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Per output column (or row) of an enlargement: the 4 source pixels it weighs, as offsets within the rectangle, and their weights. */
export interface Taps {
  source: Int32Array;
  weight: Int32Array;
}

/**
 * The enlargement's arithmetic once its taps are known: a horizontal then a vertical pass, in integers. This file's
 * `enlargePasses`, or the native addon's compiled copy of it (src/matching/native/enlarge.cc), which src/matching
 * passes in where it is built; both give the same bytes.
 */
export type EnlargePasses = (image: GreyPixels, rect: GreyRect, columns: Taps, rows: Taps) => Uint8Array;

/** `rect` of `image` enlarged to fit `side` × `side` (its longer side becomes `side`); only enlargement is supported. */
export function enlargeGrey(image: GreyPixels, rect: GreyRect, side: number, passes: EnlargePasses = enlargePasses): GreyPixels {
  const { width: w, height: h } = rect;
  // sharp: the shrink factor of "inside", and the scale libvips is given; libvips: the inverse of the diagonal matrix.
  const scale = 1 / (Math.max(w, h) / side);
  if (!(scale > 1)) throw new Error(`invariant violated: enlargeGrey only enlarges (${w}×${h} into ${side})`);
  const inverse = (1 / (scale * scale)) * scale;
  const width = roundHalfUp(scale * w), height = roundHalfUp(scale * h);
  const columns = taps(columnPositions(width, inverse), w);
  const rows = taps(rowPositions(height, inverse), h);
  return { width, height, data: passes(image, rect, columns, rows) };
}

/** The two passes in JavaScript. */
export function enlargePasses(image: GreyPixels, rect: GreyRect, columns: Taps, rows: Taps): Uint8Array {
  const h = rect.height, width = columns.source.length / 4, height = rows.source.length / 4;
  // The horizontal pass of every source row of the rectangle, rounded as libvips rounds it.
  if (scratch.length < h * width) scratch = new Int32Array(h * width);
  const across = scratch;
  const { source, weight } = columns;
  const pixels = image.data;
  for (let y = 0, at = 0; y < h; y++) {
    const row = (rect.top + y) * image.width + rect.left;
    for (let t = 0; t < 4 * width; t += 4) {
      const sum =
        weight[t] * pixels[row + source[t]] +
        weight[t + 1] * pixels[row + source[t + 1]] +
        weight[t + 2] * pixels[row + source[t + 2]] +
        weight[t + 3] * pixels[row + source[t + 3]];
      across[at++] = (sum + HALF) >> WEIGHT_SHIFT;
    }
  }
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const t = 4 * y;
    const r0 = rows.source[t] * width, r1 = rows.source[t + 1] * width, r2 = rows.source[t + 2] * width, r3 = rows.source[t + 3] * width;
    const c0 = rows.weight[t], c1 = rows.weight[t + 1], c2 = rows.weight[t + 2], c3 = rows.weight[t + 3];
    for (let x = 0, at = y * width; x < width; x++) {
      const v = (c0 * across[r0 + x] + c1 * across[r1 + x] + c2 * across[r2 + x] + c3 * across[r3 + x] + HALF) >> WEIGHT_SHIFT;
      data[at++] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return data;
}

/**
 * Where libvips samples each output column, in the source with its 2-pixel border of repeated edge pixels: from
 * 1.5, adding the inverse scale pixel by pixel. The position is this running sum, not a product: the two can differ
 * in the last bit, and the phase below truncates.
 */
function columnPositions(count: number, inverse: number): Float64Array {
  const positions = new Float64Array(count);
  for (let i = 0, position = 1.5; i < count; i++, position += inverse) positions[i] = position;
  return positions;
}

/** Where libvips samples each output row, in the same bordered source: the row's index times the inverse scale, + 0.5, + 1. */
function rowPositions(count: number, inverse: number): Float64Array {
  return Float64Array.from({ length: count }, (_, i) => inverse * i + 0.5 + 1);
}

/**
 * The 4 taps of each sampling position along an axis of `length` source pixels: the phase is the position's
 * fraction rounded to 1/PHASES (by truncating twice as many steps), the taps the pixels from one before its integer
 * part to two after, clamped to the rectangle.
 */
function taps(positions: Float64Array, length: number): Taps {
  const source = new Int32Array(4 * positions.length), weight = new Int32Array(4 * positions.length);
  positions.forEach((position, i) => {
    const phase = ((Math.trunc(position * 2 * PHASES) & (2 * PHASES - 1)) + 1) >> 1;
    const whole = Math.trunc(position);
    for (let k = 0; k < 4; k++) {
      // Source pixel whole - 1 + k of the bordered image is pixel whole - 3 + k of the rectangle.
      source[4 * i + k] = Math.min(length - 1, Math.max(0, whole - 3 + k));
      weight[4 * i + k] = WEIGHTS[phase][k];
    }
  });
  return { source, weight };
}

/** libvips' VIPS_ROUND_INT for a positive value. */
function roundHalfUp(x: number): number {
  return Math.trunc(x + 0.5);
}
