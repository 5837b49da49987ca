/**
 * The ORB detector the features are extracted with: OpenCV compiled natively against the system's library when the
 * addon in ./native was built (npm install builds it where OpenCV's headers are installed), else OpenCV's WASM
 * build. Both run OpenCV's ORB with the same parameters; they find the same keypoints with the same responses, and
 * differ only in a few descriptor bits (rounding of the keypoint angle), which the agreement test holds them to
 * (docs/calibration.md, "Native ORB and matching").
 */
import type { GreyImage } from "./features";
import { loadNativeOrb } from "./orb-native";
import { loadWasmOrb } from "./opencv";

/** ORB's raw output, in OpenCV's order: (x, y) per keypoint, its Harris response, 32 descriptor bytes per keypoint. */
export interface OrbDetection {
  points: Float32Array;
  responses: Float32Array;
  descriptors: Uint8Array;
}

export interface OrbDetector {
  readonly kind: "native" | "wasm";
  /** ORB on a grey image for up to `maxKeypoints` keypoints at FAST threshold `fastThreshold`. */
  detect(img: GreyImage, maxKeypoints: number, fastThreshold: number): OrbDetection;
  /**
   * The same off the calling thread, which is free meanwhile (the native build, on libuv's thread pool); the image
   * must not change, nor its buffer be transferred to another thread, until it settles.
   */
  detectOffThread?(img: GreyImage, maxKeypoints: number, fastThreshold: number): Promise<OrbDetection>;
}

let loading: Promise<OrbDetector> | undefined;
let loaded: OrbDetector | undefined;

/** The process's detector, loaded once: native when the addon loads, else WASM. */
export function loadOrbDetector(): Promise<OrbDetector> {
  loading ??= (async () => {
    loaded = loadNativeOrb() ?? (await loadWasmOrb());
    return loaded;
  })();
  return loading;
}

/** The detector once loadOrbDetector() has resolved, for synchronous callers that run after it (a query's views). */
export function loadedOrbDetector(): OrbDetector {
  if (!loaded) throw new Error("invariant violated: ORB used before loadOrbDetector() resolved");
  return loaded;
}
