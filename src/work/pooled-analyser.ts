import path from "node:path";
import type { Fingerprint } from "../imaging/fingerprint";
import type { ImageFeatures } from "../matching/features";
import { loadOpenCv } from "../matching/opencv";
import type { Logger } from "../observability/logger";
import type { ImageAnalyser, ImageLimits } from "../use-cases/image-analysis";
import { asBuffer } from "./protocol";
import { WorkerPool } from "./worker-pool";

export interface AnalysisPoolOptions {
  size: number;
  maxQueue: number;
  maxWaitMs: number;
  log: Logger;
  onTask?(kind: string, waitedMs: number, ranMs: number): void;
}

/**
 * The image analyser on a pool of worker threads (decode, fingerprints, ORB features): the use cases call it
 * exactly as they call the inline one. Each worker loads its own OpenCV (see README, Operations).
 */
export function startAnalysisPool(limits: ImageLimits, options: AnalysisPoolOptions): { analyser: ImageAnalyser; pool: WorkerPool } {
  const pool = new WorkerPool({ module: path.join(__dirname, "analysis-worker.ts"), data: limits, ...options });
  // The matcher's second pass needs OpenCV on this thread too: load it while the service starts, not in the
  // middle of the first search (its load blocks the event loop for a second or more).
  void loadOpenCv();
  const analyser: ImageAnalyser = {
    async forLibrary(bytes) {
      const r = await pool.run<{ fingerprint: Fingerprint; features: Uint8Array | null }>("forLibrary", bytes);
      return { fingerprint: fingerprintOf(r.fingerprint), features: r.features && asBuffer(r.features) };
    },
    async forQuery(bytes, { background = false } = {}) {
      const r = await pool.run<{ fingerprint: Fingerprint; features: ImageFeatures }>("forQuery", bytes, { background });
      // The matcher derives the mirrored, dense and detail views from the query's grey images on this thread.
      await loadOpenCv();
      return { fingerprint: fingerprintOf(r.fingerprint), features: r.features };
    },
    async fingerprint(bytes) {
      return fingerprintOf(await pool.run<Fingerprint>("fingerprint", bytes));
    },
  };
  return { analyser, pool };
}


function fingerprintOf(f: Fingerprint): Fingerprint {
  return { ...f, thumbnail: asBuffer(f.thumbnail) };
}
