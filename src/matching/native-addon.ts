/**
 * The optional native addon (./native: ORB from the system's OpenCV, descriptor matching with the CPU's popcount),
 * loaded once. npm install builds it where OpenCV's headers are installed (scripts/build-native.ts); without it the
 * WASM builds do the same work, more slowly (orb-detector.ts, descriptor-match.ts).
 */
import path from "node:path";

export interface NativeAddon {
  detect(grey: Uint8Array, width: number, height: number, maxKeypoints: number, fastThreshold: number): {
    points: Float32Array;
    responses: Float32Array;
    descriptors: Uint8Array;
  };
  /** Ratio-test matching with the fastest kernel this build has (`matchKernel`). */
  match(query: Uint8Array, original: Uint8Array, maxDistance: number, ratio: number): Int32Array;
  /** The same with the kernel any CPU runs, which `match` must agree with (the tests compare them). */
  matchPortable(query: Uint8Array, original: Uint8Array, maxDistance: number, ratio: number): Int32Array;
  /** "avx512" where the build machine's CPU has AVX-512 with vector popcount, else "portable". */
  matchKernel: "avx512" | "portable";
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

/** Which builds extract and match features in this process, for benchmark and log lines. */
export function matchingBuild(): string {
  const addon = nativeAddon();
  return addon ? `ORB and matching: native (OpenCV ${addon.opencvVersion}, ${addon.matchKernel} matching kernel)` : "ORB and matching: WebAssembly (no native addon)";
}
