/**
 * An 8-bit image (grey or RGB) shrunk by at most 2 on each axis, byte for byte as sharp's lanczos3 `resize` gives it,
 * without a libvips pipeline: the grey working image of every registration and search.
 *
 * sharp (0.35, libvips 8.18) hands such a shrink to `vips_resize`, which does no integer pre-shrink below a factor
 * of 4 (its `gap` of 2) and runs `vips_reducev` then `vips_reduceh`: each a lanczos3 mask of 2·rint(3·factor) + 1
 * points, tabulated at 65 phases and truncated to 12-bit fixed point, applied to the image with its edge pixels
 * repeated beyond it, rounded and clipped to 8 bits after each pass. libvips' Highway (SIMD) kernels and its C
 * kernels sum the same integer products, so one integer sum stands for both. This does the same arithmetic at the
 * same positions, so the bytes are the same (test/reduce-grey.test.ts holds them to sharp's, 1 and 3 bands, on
 * photos and synthetic images, at factors over (1, 2]); features calibrated on sharp's bytes are unchanged.
 */

/** An 8-bit image of 1 or 3 interleaved channels, row by row. */
export interface Pixels {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/**
 * Per output row (or column) of one pass: the `points` source rows (columns) it weighs, already clamped to the
 * image (libvips repeats the edge pixels), and their fixed-point weights.
 */
export interface ReduceTaps {
  points: number;
  source: Int32Array;
  weight: Int32Array;
}

/**
 * The reduction's arithmetic once its taps are known: the vertical pass (when `rows` is given) then the horizontal
 * one (when `columns` is), each rounded and clipped to 8 bits. This file's `reducePasses`, or the native addon's
 * compiled copy of it (src/matching/native/reduce.cc), which src/matching passes in where it is built; both give the
 * same bytes.
 */
export type ReducePasses = (image: Pixels, rows: ReduceTaps | undefined, columns: ReduceTaps | undefined) => Uint8Array;

/** Fixed point of the mask (VIPS_INTERPOLATE_SHIFT) and the phases a pixel is cut into (VIPS_TRANSFORM_SCALE). */
const WEIGHT_SHIFT = 12;
const HALF = 1 << (WEIGHT_SHIFT - 1);
const PHASES = 64;
/**
 * libvips computes reducev's sampling positions per region, from the region's first row on, and sharp's output
 * sink asks for strips of this many rows (vips__fatstrip_height): a running sum restarts at each strip.
 */
const STRIP_HEIGHT = 16;
/** The largest factor done here: beyond it sharp's result is not covered by the tests. */
const MAX_FACTOR = 2;

/**
 * The shrink factors sharp resolves for `resize(width, height, { fit })` of an image of `inWidth` × `inHeight`
 * (sharp's ResolveShrink): "inside" scales both axes by the larger factor, "fill" each axis by its own.
 */
export function sharpShrinks(
  inWidth: number,
  inHeight: number,
  width: number,
  height: number,
  fit: "inside" | "fill",
  withoutEnlargement = false,
): { hshrink: number; vshrink: number } {
  let hshrink = inWidth / width, vshrink = inHeight / height;
  if (fit === "inside") hshrink = vshrink = Math.max(hshrink, vshrink);
  if (withoutEnlargement) {
    hshrink = Math.max(1, hshrink);
    vshrink = Math.max(1, vshrink);
  }
  return { hshrink: Math.min(hshrink, inWidth), vshrink: Math.min(vshrink, inHeight) };
}

/**
 * `image` resized as sharp resizes it with these shrink factors (`sharpShrinks`) and the lanczos3 kernel, or
 * undefined when that is not a reduction by at most MAX_FACTOR on each axis (an enlargement, or a larger shrink):
 * the caller keeps sharp then. Factors of exactly 1 leave the image (or that axis) as it is, as sharp does.
 */
export function reduceLikeSharp(image: Pixels, hshrink: number, vshrink: number, passes: ReducePasses = reducePasses): Pixels | undefined {
  const { width: w, height: h } = image;
  if (hshrink === 1 && vshrink === 1) return image;
  // vips_resize is given the scales 1 / shrink; it keeps each axis at least a pixel, and reduces by 1 / scale.
  const hscale = Math.max(1 / hshrink, 1 / w), vscale = Math.max(1 / vshrink, 1 / h);
  if (hscale > 1 || vscale > 1) return undefined;
  const hfactor = 1 / hscale, vfactor = 1 / vscale;
  if (hfactor > MAX_FACTOR || vfactor > MAX_FACTOR) return undefined;
  if (hfactor === 1 && vfactor === 1) return image;
  const rows = vfactor === 1 ? undefined : axisTaps(h, vfactor, STRIP_HEIGHT);
  const columns = hfactor === 1 ? undefined : axisTaps(w, hfactor, Infinity);
  const width = columns ? columns.source.length / columns.points : w;
  const height = rows ? rows.source.length / rows.points : h;
  return { width, height, channels: image.channels, data: passes(image, rows, columns) };
}

/** The two passes in JavaScript. */
export function reducePasses(image: Pixels, rows: ReduceTaps | undefined, columns: ReduceTaps | undefined): Uint8Array {
  const vertical = rows ? reduceRows(image, rows) : image;
  return columns ? reduceColumns(vertical, columns) : vertical.data;
}

/** vips_reducev: each output row a weighted sum of `points` source rows, element by element. */
function reduceRows(image: Pixels, rows: ReduceTaps): Pixels {
  const { points, source, weight } = rows;
  const stride = image.width * image.channels, height = source.length / points;
  const pixels = image.data, out = new Uint8Array(stride * height);
  const sum = new Int32Array(stride);
  for (let y = 0; y < height; y++) {
    sum.fill(HALF);
    for (let t = y * points; t < (y + 1) * points; t++) {
      const c = weight[t], row = source[t] * stride;
      for (let x = 0; x < stride; x++) sum[x] += c * pixels[row + x];
    }
    for (let x = 0, at = y * stride; x < stride; x++) {
      const v = sum[x] >> WEIGHT_SHIFT;
      out[at++] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { width: image.width, height, channels: image.channels, data: out };
}

/** vips_reduceh: each output pixel a weighted sum of `points` source pixels of its row, band by band. */
function reduceColumns(image: Pixels, columns: ReduceTaps): Uint8Array {
  const { points, source, weight } = columns;
  const bands = image.channels, inStride = image.width * bands, width = source.length / points;
  const pixels = image.data, out = new Uint8Array(width * image.height * bands);
  let at = 0;
  for (let y = 0; y < image.height; y++) {
    const row = y * inStride;
    for (let x = 0; x < width; x++) {
      const first = x * points;
      for (let b = 0; b < bands; b++) {
        let sum = HALF;
        for (let t = first; t < first + points; t++) sum += weight[t] * pixels[row + source[t] * bands + b];
        const v = sum >> WEIGHT_SHIFT;
        out[at++] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return out;
}

/**
 * The taps of one axis of `length` pixels reduced by `factor`, as vips_reduceh / vips_reducev build them: the output
 * length rounded to nearest, the origin moved in by half the pixels the rounding drops, each output's position a
 * running sum of `factor` from the start of its region (`region` outputs long), its phase that position rounded to
 * 1/PHASES (by truncating twice as many steps), and its taps from ceil(points / 2) - 1 pixels before it.
 */
function axisTaps(length: number, factor: number, region: number): ReduceTaps {
  const count = Math.trunc(length / factor + 0.5);
  const extra = count * factor - length;
  const offset = (1 + extra) / 2 - 1;
  const points = 2 * roundHalfEven(3 * factor) + 1;
  const masks = lanczos3Masks(points, factor);
  const before = Math.ceil(points / 2) - 1;
  const source = new Int32Array(count * points), weight = new Int32Array(count * points);
  let position = 0;
  for (let i = 0; i < count; i++) {
    position = i % region === 0 ? (i + 0.5) * factor - 0.5 - offset : position + factor;
    const whole = Math.trunc(position);
    const phase = ((Math.trunc(position * 2 * PHASES) & (2 * PHASES - 1)) + 1) >> 1;
    for (let k = 0; k < points; k++) {
      source[i * points + k] = Math.min(length - 1, Math.max(0, whole + k - before));
      weight[i * points + k] = masks[phase][k];
    }
  }
  return { points, source, weight };
}

/** Masks by factor, kept between calls: images of a size recur, and their factors with them. */
const masksByFactor = new Map<number, Int32Array[]>();
const MAX_MASKS = 256;

/** vips_reduce_make_mask for lanczos3 at each phase 0 … PHASES, normalised to sum 1, then truncated to fixed point. */
function lanczos3Masks(points: number, factor: number): Int32Array[] {
  let masks = masksByFactor.get(factor);
  if (!masks) {
    if (masksByFactor.size >= MAX_MASKS) masksByFactor.clear();
    masks = computeMasks(points, factor);
    masksByFactor.set(factor, masks);
  }
  return masks;
}

function computeMasks(points: number, factor: number): Int32Array[] {
  return Array.from({ length: PHASES + 1 }, (_, phase) => {
    const half = phase / PHASES + points / 2 - 1;
    const mask = Float64Array.from({ length: points }, (_, i) => lanczos3((i - half) / factor));
    let sum = 0;
    for (const m of mask) sum += m;
    return Int32Array.from(mask, (m) => Math.trunc((m / sum) * (1 << WEIGHT_SHIFT)));
  });
}

function lanczos3(x: number): number {
  return x >= -3 && x <= 3 ? sinc(x) * sinc(x / 3) : 0;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

/** C's rint() in the default rounding mode: halves to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
