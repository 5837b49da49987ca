/**
 * ORB from the native addon (./native/orb.cc, linked against the system's OpenCV), when it was built: faster than
 * the WASM build, single-threaded both (README, bench:query; docs/calibration.md, "Native ORB and matching").
 */
import { nativeAddon } from "./native-addon";
import type { OrbDetector } from "./orb-detector";

/** The native detector, or undefined when the addon was not built here (no OpenCV headers at install time). */
export function loadNativeOrb(): OrbDetector | undefined {
  const addon = nativeAddon();
  if (!addon) return undefined;
  return {
    kind: "native",
    detect: (img, maxKeypoints, fastThreshold) => addon.detect(img.data, img.width, img.height, maxKeypoints, fastThreshold),
    detectOffThread: (img, maxKeypoints, fastThreshold) => addon.detectOffThread(img.data, img.width, img.height, maxKeypoints, fastThreshold),
  };
}
