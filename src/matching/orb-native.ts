/**
 * ORB from the native addon (./native/orb.cc, linked against the system's OpenCV), when it was built: ~5× faster
 * than the WASM build on this machine (single-threaded both; docs/calibration.md, "Native ORB").
 */
import path from "node:path";
import type { OrbDetector } from "./orb-detector";

interface NativeOrb {
  detect(grey: Uint8Array, width: number, height: number, maxKeypoints: number, fastThreshold: number): {
    points: Float32Array;
    responses: Float32Array;
    descriptors: Uint8Array;
  };
  opencvVersion: string;
}

export const NATIVE_ORB_PATH = path.join(__dirname, "native", "build", "Release", "imprint_orb.node");

/** The native detector, or undefined when the addon was not built here (no OpenCV headers at install time). */
export function loadNativeOrb(): OrbDetector | undefined {
  let addon: NativeOrb;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(NATIVE_ORB_PATH) as NativeOrb;
  } catch {
    return undefined;
  }
  return {
    kind: "native",
    detect: (img, maxKeypoints, fastThreshold) => addon.detect(img.data, img.width, img.height, maxKeypoints, fastThreshold),
  };
}
