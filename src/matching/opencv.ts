/**
 * Loads opencv-js (WASM) once per process: the ORB detector where the native addon was not built (orb-detector.ts).
 *
 * Trap: the Emscripten module object is a thenable. `await cv` — or returning it from an async
 * function — hangs forever. We wait for `onRuntimeInitialized` and resolve a wrapper object instead.
 */
import type * as CvNamespace from "@techstark/opencv-js";
import type { OrbDetector } from "./orb-detector";

export type Cv = typeof CvNamespace;

let loading: Promise<{ cv: Cv }> | undefined;

/** Resolves to `{ cv }` (wrapped, never the thenable module itself) once the runtime is ready. */
export function loadOpenCv(): Promise<{ cv: Cv }> {
  loading ??= new Promise<{ cv: Cv }>((resolve, reject) => {
    try {
      // Emscripten's Node glue installs process-wide handlers that turn ANY unhandled rejection or exception
      // in the service into an abort printing megabytes of its source: keep the process's own handlers.
      const before = { rejection: process.listeners("unhandledRejection"), exception: process.listeners("uncaughtException") };
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require("@techstark/opencv-js") as Cv & { onRuntimeInitialized?: () => void };
      for (const listener of process.listeners("unhandledRejection")) {
        if (!before.rejection.includes(listener)) process.off("unhandledRejection", listener);
      }
      for (const listener of process.listeners("uncaughtException")) {
        if (!before.exception.includes(listener)) process.off("uncaughtException", listener);
      }
      const ready = () => resolve({ cv: mod });
      if (typeof (mod as { Mat?: unknown }).Mat === "function") {
        ready();
        return;
      }
      mod.onRuntimeInitialized = ready;
    } catch (err) {
      reject(err);
    }
  });
  return loading;
}

/** ORB through opencv-js. Every OpenCV object is deleted before returning (the WASM heap never shrinks). */
export async function loadWasmOrb(): Promise<OrbDetector> {
  const { cv } = await loadOpenCv();
  return {
    kind: "wasm",
    detect(img, maxKeypoints, fastThreshold) {
      const mat = cv.matFromArray(img.height, img.width, cv.CV_8UC1, img.data);
      const none = new cv.Mat();
      // The parameters orb.cc gives the native build.
      const orb = new cv.ORB(maxKeypoints, 1.2, 8, 31, 0, 2, cv.ORB_HARRIS_SCORE, 31, fastThreshold);
      const kps = new cv.KeyPointVector();
      const desc = new cv.Mat();
      try {
        orb.detectAndCompute(mat, none, kps, desc);
        const count = kps.size();
        const points = new Float32Array(count * 2);
        const responses = new Float32Array(count);
        for (let i = 0; i < count; i++) {
          const kp = kps.get(i);
          points[2 * i] = kp.pt.x;
          points[2 * i + 1] = kp.pt.y;
          responses[i] = kp.response;
        }
        return { points, responses, descriptors: new Uint8Array(desc.data as Uint8Array) };
      } finally {
        orb.delete();
        kps.delete();
        desc.delete();
        mat.delete();
        none.delete();
      }
    },
  };
}

/** Bytes currently allocated to the WASM heap (for leak checks). */
export function wasmHeapBytes(cv: Cv): number {
  const heap = (cv as unknown as { HEAPU8?: Uint8Array }).HEAPU8;
  return heap ? heap.length : 0;
}
