import path from "node:path";
import type { Fingerprint } from "../imaging/fingerprint";
import type { ImageFeatures } from "../matching/features";
import { viewSourceOf, type QueryViews } from "../matching/query-views";
import { originalsFor, verifyWindowsInParts, type WindowVerification } from "../matching/window-verification";
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
export function startAnalysisPool(limits: ImageLimits, options: AnalysisPoolOptions): { analyser: ImageAnalyser; views: QueryViews; pool: WorkerPool } {
  const pool = new WorkerPool({ module: path.join(__dirname, "analysis-worker.ts"), data: limits, ...options });
  const analyser: ImageAnalyser = {
    async forLibrary(bytes) {
      const r = await pool.run<{ fingerprint: Fingerprint; features: Uint8Array | null }>("forLibrary", bytes);
      return { fingerprint: fingerprintOf(r.fingerprint), features: r.features && asBuffer(r.features) };
    },
    async forQuery(bytes) {
      const r = await pool.run<{ fingerprint: Fingerprint; features: ImageFeatures }>("forQuery", bytes);
      return { fingerprint: fingerprintOf(r.fingerprint), features: r.features };
    },
    forWatch: (bytes) => pool.run<ImageFeatures>("forWatch", bytes, { background: true }),
    async fingerprint(bytes) {
      return fingerprintOf(await pool.run<Fingerprint>("fingerprint", bytes));
    },
  };
  // Each view sends only the grey image it is made from; a search admitted is finished before new work starts.
  const view = <T>(kind: string, input: unknown) => pool.run<T>(kind, input, { followUp: true });
  const views: QueryViews = {
    mirrored: (q) => view("mirroredView", { grey: q.grey }),
    detail: (q) => view("detailView", { detailGrey: q.detailGrey }),
    // A query's windows are made by every worker at once, each its part (in order): the costliest view of a large
    // query that nothing settles, they no longer wait for one thread (README, bench:query).
    windowParts: (q) =>
      Array.from({ length: options.size }, (_, part) =>
        view<ImageFeatures[]>("windowViews", { source: { detailGrey: q.detailGrey }, share: { part, parts: options.size } }),
      ),
    region: (q, geometry, mirrored) => view("regionView", { source: viewSourceOf(q), geometry, mirrored }),
    dense: (q) => view("denseView", { grey: q.grey }),
    // Every worker verifies a contiguous part of the windows, sent with only the candidates' features it needs.
    verifyWindows: (windows, originals, conclusiveInliers) =>
      verifyWindowsInParts(
        windows,
        options.size,
        (part) => view<WindowVerification[][]>("verifyWindows", { windows: part, originals: originalsFor(part, originals), conclusiveInliers }),
        conclusiveInliers,
      ),
  };
  return { analyser, views, pool };
}


function fingerprintOf(f: Fingerprint): Fingerprint {
  return { ...f, thumbnail: asBuffer(f.thumbnail) };
}
