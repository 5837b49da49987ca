/**
 * The optional native addon (./native: ORB from the system's OpenCV, descriptor matching with the CPU's popcount, a
 * grey enlargement's and a lanczos3 reduction's integer passes, sharp's greyscale and normalisation of grey
 * pixels, the hashes' per-pixel work, the candidate index's probe), loaded once. npm install builds it where
 * OpenCV's headers are installed (scripts/build-native.ts); without it the WASM builds, TypeScript and sharp do the
 * same work, more slowly (orb-detector.ts, descriptor-match.ts, src/imaging/enlarge-grey.ts, features.ts's
 * normalisedGrey, src/imaging/hash-kernels.ts, probe-kernel.ts).
 */
import path from "node:path";
import { PDQ_DCT_BASIS, type PdqResult } from "../core/pdq";
import type { EnlargePasses } from "../imaging/enlarge-grey";
import { typeScriptHashKernels, type HashKernels } from "../imaging/hash-kernels";
import type { NormaliseKernels } from "../imaging/normalise-grey";
import type { ReducePasses } from "../imaging/reduce";
import type { OrbDetection } from "./orb-detector";
import type { ProbeKernel } from "./probe-kernel";

export interface NativeAddon {
  detect(grey: Uint8Array, width: number, height: number, maxKeypoints: number, fastThreshold: number): OrbDetection;
  /** `detect` on libuv's thread pool, this thread free meanwhile; `grey` must not change, nor be transferred, until it settles. */
  detectOffThread(grey: Uint8Array, width: number, height: number, maxKeypoints: number, fastThreshold: number): Promise<OrbDetection>;
  /** Ratio-test matching with the fastest kernel this build has (`matchKernel`). */
  match(query: Uint8Array, original: Uint8Array, maxDistance: number, ratio: number): Int32Array;
  /** The same with the kernel any CPU runs, which `match` must agree with (the tests compare them). */
  matchPortable(query: Uint8Array, original: Uint8Array, maxDistance: number, ratio: number): Int32Array;
  /** "avx512" where the build machine's CPU has AVX-512 with vector popcount, else "avx2" where it has AVX2, else "portable". */
  matchKernel: "avx512" | "avx2" | "portable";
  /** src/imaging/enlarge-grey.ts's `enlargePasses`, compiled: the rectangle, then each output column's and row's 4 taps. */
  enlarge(
    grey: Uint8Array,
    imageWidth: number,
    left: number,
    top: number,
    width: number,
    height: number,
    columnSource: Int32Array,
    columnWeight: Int32Array,
    rowSource: Int32Array,
    rowWeight: Int32Array,
  ): Uint8Array;
  /**
   * src/imaging/reduce.ts's `reducePasses`, compiled: the image, then each output row's and column's taps (a pass
   * with 0 points and empty arrays is skipped).
   */
  reduce(
    pixels: Uint8Array,
    width: number,
    height: number,
    channels: number,
    rowPoints: number,
    rowSource: Int32Array,
    rowWeight: Int32Array,
    columnPoints: number,
    columnSource: Int32Array,
    columnWeight: Int32Array,
  ): Uint8Array;
  /** sharp's `greyscale()` of 8-bit sRGB pixels (3 bytes each): the same bytes, without a libvips pipeline. */
  greyscale(rgb: Uint8Array): Uint8Array;
  /** src/imaging/normalise-grey.ts's `typeScriptKernels`, compiled: how many pixels have each of the 256 levels … */
  levelCounts(grey: Uint8Array): Uint32Array;
  /** … and every pixel mapped through a 256-entry table. */
  mapLevels(grey: Uint8Array, table: Uint8Array): Uint8Array;
  /** sharp's `normalise()` output for each grey level when L's 1st and 99th percentiles are `min` and `max`. */
  normaliseTable(min: number, max: number): Uint8Array;
  /**
   * src/core's pdqFromLuma (with its DCT basis passed in) of lumaFromRgb's luma, and grey32FromLuma of the same luma
   * when asked, compiled: the same bits and floats.
   */
  hashes(pixels: Uint8Array, width: number, height: number, channels: number, dctBasis: Float32Array, withGrey32: boolean): PdqResult & { grey32?: Float32Array };
  /**
   * probe-kernel.ts's `typeScriptProbe`, compiled: `tables` holds each table's [offsets, postings, deltaHead,
   * deltaKey, deltaSlot, deltaTag, deltaNext, deltaMask, deltaCount]; votes and lastVoter are updated in place, and
   * the slots that got their first vote are returned in the order they got it.
   */
  probe(
    descriptors: Uint8Array,
    count: number,
    fromBit: number,
    toBit: number,
    maxSignatureDistance: number,
    keyMask: number,
    tables: (Uint32Array | Int32Array | number)[][],
    votes: Uint16Array,
    lastVoter: Int32Array,
  ): Int32Array;
  opencvVersion: string;
}

export const NATIVE_ADDON_PATH = path.join(__dirname, "native", "build", "Release", "imprint_native.node");

let addon: NativeAddon | null | undefined;

/** The addon, or undefined when it was not built here. */
export function nativeAddon(): NativeAddon | undefined {
  if (addon === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      addon = require(NATIVE_ADDON_PATH) as NativeAddon;
    } catch {
      addon = null;
    }
  }
  return addon ?? undefined;
}

/** The enlargement's two passes from the addon, or undefined when it was not built here. */
export function nativeEnlargePasses(): EnlargePasses | undefined {
  const native = nativeAddon();
  if (!native) return undefined;
  return (image, rect, columns, rows) =>
    native.enlarge(image.data, image.width, rect.left, rect.top, rect.width, rect.height, columns.source, columns.weight, rows.source, rows.weight);
}

const NO_TAPS = { points: 0, source: new Int32Array(0), weight: new Int32Array(0) };

/** The reduction's two passes from the addon, or undefined when it was not built here. */
export function nativeReducePasses(): ReducePasses | undefined {
  const native = nativeAddon();
  if (!native) return undefined;
  return (image, rows = NO_TAPS, columns = NO_TAPS) =>
    native.reduce(image.data, image.width, image.height, image.channels, rows.points, rows.source, rows.weight, columns.points, columns.source, columns.weight);
}

/** A normalisation's kernels from the addon (the output table computed, not probed), or undefined when it was not built here. */
export function nativeNormaliseKernels(): NormaliseKernels | undefined {
  const native = nativeAddon();
  if (!native) return undefined;
  return {
    counts: (grey) => native.levelCounts(grey),
    map: (grey, table) => native.mapLevels(grey, table),
    table: (min, max) => native.normaliseTable(min, max),
  };
}

/** The candidate index's probe from the addon, or undefined when it was not built here. */
export function nativeProbeKernel(): ProbeKernel | undefined {
  const native = nativeAddon();
  if (!native) return undefined;
  return ({ descriptors, count, fromBit, toBit, maxSignatureDistance, keyMask }, tables, { votes, lastVoter }, touched) => {
    const fields = tables.map((t) => [t.offsets, t.postings, t.deltaHead, t.deltaKey, t.deltaSlot, t.deltaTag, t.deltaNext, t.deltaMask, t.deltaCount]);
    for (const slot of native.probe(descriptors, count, fromBit, toBit, maxSignatureDistance, keyMask, fields, votes, lastVoter)) touched.push(slot);
  };
}

let hashKernelsOnce: HashKernels | undefined;

/** The hashes' per-pixel work from the addon where it was built, else src/core's TypeScript (the same bits). */
export function hashKernels(): HashKernels {
  hashKernelsOnce ??= compiledHashKernels(nativeAddon()) ?? typeScriptHashKernels;
  return hashKernelsOnce;
}

function compiledHashKernels(native: NativeAddon | undefined): HashKernels | undefined {
  if (!native) return undefined;
  return {
    pdq(pixels, width, height, channels) {
      const { hash, quality } = native.hashes(pixels, width, height, channels, PDQ_DCT_BASIS, false);
      return { hash, quality };
    },
    pdqAndGrey32(pixels, width, height, channels) {
      const { hash, quality, grey32 } = native.hashes(pixels, width, height, channels, PDQ_DCT_BASIS, true);
      return { pdq: { hash, quality }, grey32: grey32! };
    },
  };
}

/** Which builds extract and match features in this process, for benchmark and log lines. */
export function matchingBuild(): string {
  const addon = nativeAddon();
  return addon ? `ORB and matching: native (OpenCV ${addon.opencvVersion}, ${addon.matchKernel} matching kernel)` : "ORB and matching: WebAssembly (no native addon)";
}
