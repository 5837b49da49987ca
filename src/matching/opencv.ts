/**
 * Loads opencv-js (WASM) once per process.
 *
 * Trap: the Emscripten module object is a thenable. `await cv` — or returning it from an async
 * function — hangs forever. We wait for `onRuntimeInitialized` and resolve a wrapper object instead.
 */
import type * as CvNamespace from "@techstark/opencv-js";

export type Cv = typeof CvNamespace;

let loading: Promise<{ cv: Cv }> | undefined;
let loaded: Cv | undefined;

/** The module once loadOpenCv() has resolved, for synchronous callers that run after it (e.g. a query's lazy views). */
export function loadedOpenCv(): Cv {
  if (!loaded) throw new Error("invariant violated: OpenCV used before loadOpenCv() resolved");
  return loaded;
}

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
      const ready = () => {
        loaded = mod;
        resolve({ cv: mod });
      };
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

/** Bytes currently allocated to the WASM heap (for leak checks). */
export function wasmHeapBytes(cv: Cv): number {
  const heap = (cv as unknown as { HEAPU8?: Uint8Array }).HEAPU8;
  return heap ? heap.length : 0;
}
