/**
 * Prometheus metrics (prom-client), one registry per service instance (tests run several in one process).
 * Gauges that describe state (pool, index, ledger, chain) are read when scraped, never kept up to date by hand.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ChainReachability } from "../chain/reachability";
import type { FeatureCacheStatus } from "../matching/feature-cache";
import type { IndexStatus } from "../search/library-index";
import type { PoolStatus } from "../work/worker-pool";

export interface MetricSources {
  pool?: () => PoolStatus;
  index?: () => IndexStatus | undefined;
  featureCache?: () => FeatureCacheStatus;
  ledger?: () => Promise<{ pendingRegistrations: number; batches: Record<string, number> }>;
  chain?: () => Promise<ChainReachability>;
}

export interface Metrics {
  registry: Registry;
  /** Latency of each answered request, by route pattern (never the raw path: ids would explode the series). */
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  /** Batches the anchorer failed to anchor in a run. */
  countAnchorFailures(n: number): void;
  /** An analysis task's wait for a worker and its time on it. */
  observeAnalysis(kind: string, waitedMs: number, ranMs: number): void;
}

export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "imprint" });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const requests = new Histogram({
    name: "imprint_http_request_duration_seconds",
    help: "Time to answer a request, by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers,
  });
  const analysisHistogram = (name: string, help: string) =>
    new Histogram({ name, help, labelNames: ["task"] as const, buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10], registers });
  const analysisWait = analysisHistogram("imprint_analysis_wait_seconds", "Time an image analysis waited for a worker, by task");
  const analysisRun = analysisHistogram("imprint_analysis_run_seconds", "Time an image analysis ran on its worker, by task");
  const anchorFailures = new Counter({ name: "imprint_anchor_failures_total", help: "Batches whose anchoring failed in a run", registers });

  /** A gauge of one value, read from its source when scraped. */
  const stateGauge = (name: string, help: string, read: () => number | Promise<number>) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        this.set(await read());
      },
    });

  stateGauge("imprint_analysis_queue_depth", "Image analyses waiting for a worker", () => sources.pool?.().queued ?? 0);
  new Gauge({
    name: "imprint_analysis_workers",
    help: "Analysis worker threads, by whether they are busy",
    labelNames: ["state"] as const,
    registers,
    collect() {
      const s = sources.pool?.();
      this.set({ state: "busy" }, s?.busy ?? 0);
      this.set({ state: "idle" }, s ? s.workers - s.busy : 0);
    },
  });
  stateGauge("imprint_analysis_refused_total", "Analyses refused with 503 overloaded because the queue was full", () => sources.pool?.().rejected ?? 0);
  stateGauge("imprint_analysis_worker_restarts_total", "Analysis workers replaced after exiting", () => sources.pool?.().restarts ?? 0);
  stateGauge("imprint_index_ready", "1 when the search index has loaded, 0 while it loads", () => (sources.index?.()?.state === "ready" ? 1 : 0));
  stateGauge("imprint_index_images", "Images in this process's search index", () => sources.index?.()?.images ?? 0);
  stateGauge("imprint_feature_cache_bytes", "Bytes of verification features kept in memory (FEATURE_CACHE_MB)", () => sources.featureCache?.().bytes ?? 0);
  new Gauge({
    name: "imprint_feature_reads_total",
    help: "Candidates' verification features read by the matcher, by where they were found (memory or database)",
    labelNames: ["source"] as const,
    registers,
    collect() {
      const s = sources.featureCache?.();
      this.set({ source: "memory" }, s?.hits ?? 0);
      this.set({ source: "database" }, s?.misses ?? 0);
    },
  });
  new Gauge({
    name: "imprint_batches",
    help: "Merkle batches by state (read from the database when scraped)",
    labelNames: ["state"] as const,
    registers,
    async collect() {
      const counts = await sources.ledger?.();
      for (const [state, n] of Object.entries(counts?.batches ?? {})) this.set({ state }, n);
    },
  });
  stateGauge(
    "imprint_registrations_pending",
    "Registrations not yet sealed into a batch",
    async () => (await sources.ledger?.())?.pendingRegistrations ?? 0,
  );
  stateGauge(
    "imprint_chain_reachable",
    "1 when the chain's RPC answered eth_blockNumber within its timeout",
    async () => ((await sources.chain?.())?.reachable ? 1 : 0),
  );

  return {
    registry,
    observeRequest: ({ method, route, status }, seconds) => requests.observe({ method, route, status: String(status) }, seconds),
    countAnchorFailures: (n) => anchorFailures.inc(n),
    observeAnalysis: (task, waitedMs, ranMs) => {
      analysisWait.observe({ task }, waitedMs / 1000);
      analysisRun.observe({ task }, ranMs / 1000);
    },
  };
}
