/**
 * sharp's `normalise()` of an 8-bit grey image, bit for bit, for a fraction of its cost.
 *
 * libvips stretches the L of LAB between two percentiles of L: it converts every pixel to LAB once for each
 * percentile and once more for the output, and that float work was most of the cost of the grey images the local
 * features are found on (README, "bench:query"). On a grey image a pixel's output depends only on its grey level and
 * on the two percentiles, so:
 * - the percentiles are computed from the grey-level histogram with libvips' own arithmetic (`percentOf`);
 * - the 256 outputs for those percentiles are computed by the native addon with libvips' colour arithmetic where it
 *   is built (NormaliseKernels.table); otherwise they are taken from sharp's own `normalise()` of a small image built
 *   to have the same percentiles, and kept (a few hundred distinct tables cover real photos).
 * Features found on the result are those found before (test/normalise-grey.test.ts compares with sharp's output),
 * so the calibration stands. Where no small image with the same percentiles is found, sharp normalises the image.
 */
import sharp from "sharp";

/** sharp's defaults: L is stretched between its 1st and 99th percentiles. */
const LOWER_PERCENT = 1;
const UPPER_PERCENT = 99;
/** Pixels of the grey level at the lower percentile in the probe image: enough that its other pixels stay under 1 %. */
const PROBE_LOWER_PIXELS = 25_600;
/** How many probe sizes are tried for libvips' float rounding to give the wanted upper percentile. */
const PROBE_SIZES_TRIED = 40_000;
/** Cached output tables; past this many the cache starts again (256 bytes each). */
const MAX_TABLES = 4_096;

type Table = Uint8Array;

let lBinsOnce: Promise<Uint8Array> | undefined;
const tables = new Map<string, Table>();

/**
 * The work over every pixel (counting the levels, mapping each pixel through the output table) and, optionally, the
 * output table itself. This file's `typeScriptKernels` (the table then comes from sharp, by a probe image), or the
 * native addon's (src/matching/native/levels.cc, and greyscale.cc, which computes the table with libvips' own colour
 * arithmetic), which src/matching passes in where it is built; both give the same counts and bytes.
 */
export interface NormaliseKernels {
  counts(grey: Uint8Array): Uint32Array;
  map(grey: Uint8Array, table: Uint8Array): Uint8Array;
  /** normalise()'s output for every grey level when L's percentiles are `min` and `max`. */
  table?(min: number, max: number): Uint8Array;
}

export const typeScriptKernels: NormaliseKernels = {
  counts(grey) {
    const counts = new Uint32Array(256);
    for (let i = 0; i < grey.length; i++) counts[grey[i]]++;
    return counts;
  },
  map(grey, table) {
    const out = new Uint8Array(grey.length);
    for (let i = 0; i < grey.length; i++) out[i] = table[grey[i]];
    return out;
  },
};

/** The image normalised as sharp would (`sharp(grey).greyscale().normalise()`), as a new array. */
export async function normaliseGrey(grey: Uint8Array, width: number, height: number, kernels: NormaliseKernels = typeScriptKernels): Promise<Uint8Array> {
  const lBin = await lBins();
  const greyCounts = kernels.counts(grey);
  const binCounts = new Float64Array(256);
  for (let g = 0; g < 256; g++) binCounts[lBin[g]] += greyCounts[g];
  const min = percentOf(binCounts, grey.length, LOWER_PERCENT);
  const max = percentOf(binCounts, grey.length, UPPER_PERCENT);
  // libvips leaves an image whose percentiles are this close unchanged.
  if (Math.abs(max - min) <= 1) return grey.slice();
  const table = kernels.table ? kernels.table(min, max) : await outputTable(lBin, min, max, topBin(binCounts));
  if (!table) return sharpNormalise(grey, width, height);
  return kernels.map(grey, table);
}

/**
 * libvips' `percent` of a histogram of L bins (vips_percent: hist_find, hist_cum, hist_norm, more_const, profile),
 * with its float arithmetic: the cumulative counts are scaled to (bins − 1) in float, truncated to 8 bits and
 * compared with percent × bins. The first bin above that is the answer; none (float rounding at the top) gives the
 * number of bins.
 */
export function percentOf(binCounts: Float64Array, pixels: number, percent: number): number {
  const bins = topBin(binCounts) + 1;
  const scale = Math.fround((bins - 1) / pixels);
  const threshold = (percent / 100) * bins;
  let cumulative = 0;
  for (let b = 0; b < bins; b++) {
    cumulative += binCounts[b];
    const scaled = Math.fround(scale * Math.fround(cumulative));
    if (Math.trunc(Math.min(255, Math.max(0, scaled))) > threshold) return b;
  }
  return bins;
}

function topBin(binCounts: Float64Array): number {
  for (let b = binCounts.length - 1; b >= 0; b--) if (binCounts[b] > 0) return b;
  return -1;
}

/** The L bin (L of LAB truncated, as libvips' histogram casts it) of every grey level, from libvips itself. */
function lBins(): Promise<Uint8Array> {
  lBinsOnce ??= (async () => {
    const ramp = Uint8Array.from({ length: 256 }, (_, g) => g);
    const { data, info } = await sharp(ramp, { raw: { width: 256, height: 1, channels: 1 } })
      .toColourspace("lab")
      .raw({ depth: "float" })
      .toBuffer({ resolveWithObject: true });
    const lab = new Float32Array(data.buffer, data.byteOffset, data.length / 4);
    return Uint8Array.from({ length: 256 }, (_, g) => Math.min(255, Math.max(0, Math.trunc(lab[g * info.channels]))));
  })();
  // A failure is not kept: the next image asks libvips again instead of failing for the life of the process.
  lBinsOnce.catch(() => (lBinsOnce = undefined));
  return lBinsOnce;
}

/**
 * The output of every grey level whose bin is at most `top`, for these percentiles: sharp normalises a probe image
 * holding each such level once and the lower percentile's level many times, sized so that libvips computes the same
 * two percentiles (checked with percentOf before it is used).
 */
async function outputTable(lBin: Uint8Array, min: number, max: number, top: number): Promise<Table | undefined> {
  const key = `${min}:${max}:${top}`;
  const cached = tables.get(key);
  if (cached) return cached;
  const levels: number[] = [];
  for (let g = 0; g < 256; g++) if (lBin[g] <= top) levels.push(g);
  const lowerLevel = levels.find((g) => lBin[g] === min);
  if (lowerLevel === undefined) return undefined;
  const binCounts = new Float64Array(256);
  for (const g of levels) binCounts[lBin[g]]++;
  binCounts[min] += PROBE_LOWER_PIXELS - 1;
  for (let extra = 0; extra < PROBE_SIZES_TRIED; extra++, binCounts[min]++) {
    const pixels = levels.length + PROBE_LOWER_PIXELS - 1 + extra;
    if (percentOf(binCounts, pixels, LOWER_PERCENT) !== min || percentOf(binCounts, pixels, UPPER_PERCENT) !== max) continue;
    const probe = new Uint8Array(pixels).fill(lowerLevel);
    probe.set(levels);
    const normalised = await sharpNormalise(probe, pixels, 1);
    const table = new Uint8Array(256);
    levels.forEach((g, i) => (table[g] = normalised[i]));
    if (tables.size >= MAX_TABLES) tables.clear();
    tables.set(key, table);
    return table;
  }
  return undefined;
}

async function sharpNormalise(grey: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const data = await sharp(grey, { raw: { width, height, channels: 1 } }).greyscale().normalise().raw().toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}
