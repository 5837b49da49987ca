import path from "node:path";
import { ensureAdmin } from "./accounts/admin-key";
import { contractAnchorTarget } from "./chain/anchor-target";
import { anvilBinaryPath, EMBEDDED_ANCHORER_KEY } from "./chain/anvil";
import { chainFactsReader } from "./chain/chain-facts";
import { chainProbe } from "./chain/reachability";
import { ensureDeployment } from "./chain/embedded";
import { createChainClient, type ChainClient } from "./chain/provider";
import { SupervisedAnvil, type EmbeddedChainStatus } from "./chain/supervised-anvil";
import { holdDirectory } from "./process/directory-hold";
import type { Config } from "./config";
import { databaseFor, openDatabase, type Database } from "./db/client";
import { createApp, type App } from "./http/app";
import type { AppDeps, ChainInfo } from "./http/deps";
import { Batcher } from "./ledger/batcher";
import { Reconciler } from "./ledger/reconciler";
import { ledgerCounts } from "./ledger/seal";
import { countImages, featureLoader } from "./library/images";
import { purgeDelisted } from "./library/listings";
import { purgeExpiredSessions } from "./accounts/sessions";
import { plannedLibrarySize } from "./matching/candidates";
import { createMatcher } from "./matching/matcher";
import { inlineViews, type QueryViews } from "./matching/query-views";
import { JobRunner } from "./jobs/runner";
import { createImageFetcher } from "./net/fetch-image";
import { fetchPolicyOf } from "./net/fetch-policy";
import { createWebhookPoster } from "./net/post-webhook";
import { silentLogger, type Logger } from "./observability/logger";
import { createMetrics, type Metrics, type MetricSources } from "./observability/metrics";
import { LibraryIndex } from "./search/library-index";
import { resolveServiceDeployments } from "./use-cases/service-deployments";
import type { ImageFetcher } from "./use-cases/image-source";
import { inlineAnalyser, type ImageAnalyser } from "./use-cases/image-analysis";
import { startAnalysisPool } from "./work/pooled-analyser";
import { purgeSearchRecords } from "./search/records";
import { watchJobHandler, webhookJobHandler } from "./use-cases/jobs";
import type { JobKind } from "./use-cases/context";
import { WATCH_JOB } from "./use-cases/watch";
import { WEBHOOK_JOB } from "./webhooks/events";

export interface Services {
  app: App;
  deps: AppDeps;
  /** Runners of the job table: watch matching and webhook deliveries. */
  jobs: { watch: JobRunner; webhooks: JobRunner };
  database: Database;
  /** Printed once on the first start when no IMPRINT_ADMIN_KEY is configured. */
  generatedAdminKey?: string;
  /** A stop has begun (a signal arrived): what exits from now on is stopping with the service, not crashing. */
  beginStop(): void;
  close(): Promise<void>;
}

export interface ServiceOptions {
  log?: Logger;
  /**
   * A database already open, or being opened (tests; `npm start`, which opens it while the rest of the service
   * loads); otherwise PGlite under DATA_DIR or DATABASE_URL. Its caller closes it.
   */
  database?: Database | Promise<Database>;
  /** Start the periodic batcher (tests drive it by hand). */
  startBatcher?: boolean;
  /** How often the search index polls the database for images added by other processes. */
  indexPollMs?: number;
  /** How `url` fields are fetched (default: the configured fetch policy). Tests inject one with a trusted origin. */
  fetchImage?: ImageFetcher;
  /** Start the job runners (watch alerts, webhooks); tests of other things may leave them to be driven by hand. */
  startJobs?: boolean;
}

/** The composition root: builds every dependency from the config and injects it; `close()` undoes it all. */
export async function startServices(config: Config, options: ServiceOptions = {}): Promise<Services> {
  const log = options.log ?? silentLogger;
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => log.warn({ err: e }, "shutdown step failed"));
  };
  try {
    // The database and the chain start together: neither needs the other, and each takes a while (README,
    // Operations: start-up).
    const [opened, connected] = await Promise.allSettled([options.database ?? openDatabase(databaseFor(config)), connectChain(config, log)]);
    if (opened.status === "fulfilled" && !options.database) cleanups.push(() => opened.value.close());
    if (connected.status === "fulfilled") cleanups.push(connected.value.close);
    if (opened.status === "rejected") throw opened.reason;
    if (connected.status === "rejected") throw connected.reason;
    const database = opened.value, chain = connected.value;
    const { generatedKey, revokedPrevious } = await ensureAdmin(database.db, config.IMPRINT_ADMIN_KEY);
    if (revokedPrevious) log.warn({ revoked: revokedPrevious }, "IMPRINT_ADMIN_KEY changed: the previous admin key is revoked");

    const deployments = await resolveServiceDeployments({
      provider: chain.provider,
      file: config.DEPLOYMENTS_FILE ?? path.join(config.DATA_DIR, "deployments.json"),
      chainId: chain.info.chainId,
      contract: chain.info.contract,
      embedded: chain.embedded,
    });
    const chainReachability = chainProbe(chain.rpcUrl);
    const sources: MetricSources = { chain: chainReachability, ledger: () => ledgerCounts(database.db) };
    const metrics = createMetrics(sources);

    const target = contractAnchorTarget(chain.wallet, {
      chainId: chain.info.chainId,
      contract: chain.info.contract,
      confirmations: config.CHAIN_CONFIRMATIONS,
      timeoutMs: config.CHAIN_TX_TIMEOUT_MS,
      fromBlock: chain.fromBlock,
      persist: chain.persist,
    });
    const batcher = new Batcher(database.db, target, {
      intervalMs: config.ANCHOR_INTERVAL_MS,
      maxBatch: config.ANCHOR_MAX_BATCH,
      log,
      lock: database.lock("anchoring"),
      onRun: (result) => metrics.countAnchorFailures(result.failed),
    });
    const reconciler = new Reconciler(database.db, target, {
      intervalMs: config.RECONCILE_INTERVAL_MS,
      finalityBlocks: config.CHAIN_FINALITY_BLOCKS,
      fromBlock: chain.fromBlock,
      log,
      onReverted: () => void batcher.runNow().catch(() => undefined),
    });
    // Before serving: an anchor the chain lost while we were down must answer 202, not a bundle that fails.
    await reconciler.runNow();
    reconciler.start();
    cleanups.push(() => reconciler.stop());
    chain.onRestart?.(() => {
      chain.wallet.resetNonce();
      void reconciler.runNow();
    });
    const anchoring = options.startBatcher ?? true;
    if (anchoring) batcher.start();
    cleanups.push(async () => {
      await batcher.stop();
      if (!anchoring) return;
      // A signal to the whole process group (a terminal's Ctrl-C) stops the embedded chain with the service.
      await chain.settled?.();
      if (chain.status?.().reachable === false) log.info("the embedded chain stopped with the service: what is registered is anchored at the next start");
      // Otherwise what was registered before the stop is sealed and anchored now rather than at the next start.
      else await flush(batcher, config.SHUTDOWN_TIMEOUT_MS, log);
    });

    const analyser = startAnalyser(config, log, sources, metrics);
    cleanups.push(analyser.close);

    const imageCount = await countImages(database.db);
    const matcher = createMatcher({
      loadFeatures: featureLoader(database.db),
      featureCacheBytes: config.FEATURE_CACHE_MB * 1024 * 1024,
      index: { expectedImages: plannedLibrarySize(imageCount) },
      views: analyser.views,
    });
    const library = new LibraryIndex(database.db, matcher, { pollMs: options.indexPollMs, expectedImages: imageCount, log });
    // Loads in the background: registration, evidence and verification serve at once; search waits for it.
    library.start();
    cleanups.push(() => library.stop());
    sources.index = () => library.status;
    sources.featureCache = () => matcher.featureCache();
    const purge = setInterval(() => {
      const now = new Date();
      purgeDelisted(database.db, now, config.RETENTION_DELISTED_DAYS).then(
        (ids) => {
          for (const id of ids) library.remove(id);
          if (ids.length) log.info({ purged: ids.length, retentionDays: config.RETENTION_DELISTED_DAYS }, "purged delisted listings");
        },
        (error: unknown) => log.warn({ err: error }, "purge failed"),
      );
      purgeExpiredSessions(database.db).catch((error: unknown) => log.warn({ err: error }, "purging expired portal sessions failed"));
      purgeSearchRecords(database.db, now, config.SEARCH_RECORD_DAYS).then(
        (n) => n && log.info({ purged: n, retentionDays: config.SEARCH_RECORD_DAYS }, "purged search records"),
        (error: unknown) => log.warn({ err: error }, "search record purge failed"),
      );
    }, config.PURGE_INTERVAL_MS);
    purge.unref();
    cleanups.push(async () => clearInterval(purge));

    const deps: AppDeps = {
      db: database.db,
      config,
      chain: chain.info,
      batcher,
      anchorTarget: target,
      deployments,
      chainStatus: () => chain.status?.() ?? { reachable: reconciler.stats.chainReachable !== false },
      reconciler: reconciler.stats,
      readChainFacts: chainFactsReader(chain.provider),
      library,
      analyser: analyser.analyser,
      fetchImage: options.fetchImage ?? createImageFetcher(fetchPolicyOf(config, config.MAX_UPLOAD_BYTES)),
      onImageAdded: () => void library.refresh(),
      // A receiver's answer is read only for its status: a small body limit is enough.
      postWebhook: createWebhookPoster(fetchPolicyOf(config, 64 * 1024)),
      wakeJobs: (kind) => runners[kind].wake(),
      log,
      metrics,
      chainReachability,
    };
    const jobs = {
      watch: new JobRunner(database.db, watchJobHandler(deps), { pollMs: config.JOB_POLL_MS, log }),
      // Deliveries wait on receivers, not on this CPU: several at once.
      webhooks: new JobRunner(database.db, webhookJobHandler(deps), { pollMs: config.JOB_POLL_MS, concurrency: 4, log }),
    };
    const runners: Record<JobKind, JobRunner> = { [WATCH_JOB]: jobs.watch, [WEBHOOK_JOB]: jobs.webhooks };
    if (options.startJobs ?? true) {
      jobs.watch.start();
      jobs.webhooks.start();
    }
    cleanups.push(() => jobs.watch.stop(), () => jobs.webhooks.stop());
    return { app: createApp(deps), deps, jobs, database, generatedAdminKey: generatedKey, beginStop: () => chain.standDown?.(), close };
  } catch (error) {
    await close();
    throw error;
  }
}

interface ConnectedChain extends ChainClient {
  info: ChainInfo;
  fromBlock: number;
  /** Makes the chain's current state survive a crash (embedded chain only). */
  persist?: () => Promise<void>;
  /** Whether the chain process is up, and its restarts (embedded chain only; a real chain's reachability is the reconciler's). */
  status?: () => EmbeddedChainStatus;
  onRestart?: (listener: () => void) => void;
  /** The service is stopping: the chain process's exit is no longer a crash (embedded chain only). */
  standDown?: () => void;
  /** After standDown: until the chain process exited with the service, or clearly did not (embedded chain only). */
  settled?: () => Promise<void>;
  /** The RPC the service itself reads (its reachability is probed for /readyz and the metrics). */
  rpcUrl: string;
  /** The embedded deployment's name and block (marked local in the deployments file); none on a real chain. */
  embedded: { name: string; deployBlock: number } | undefined;
  close(): Promise<void>;
}

async function connectChain(config: Config, log: Logger): Promise<ConnectedChain> {
  if (config.CHAIN_RPC_URL) {
    // The config schema guarantees both with CHAIN_RPC_URL.
    const client = createChainClient({ rpcUrl: config.CHAIN_RPC_URL, privateKey: config.CHAIN_PRIVATE_KEY! });
    const chainId = Number((await client.provider.getNetwork()).chainId);
    const local = /^https?:\/\/(127\.|localhost|\[::1\])/.test(config.CHAIN_RPC_URL);
    const info: ChainInfo = {
      chainId,
      contract: config.CHAIN_CONTRACT!.toLowerCase(),
      publicRpcUrl: local || config.CHAIN_RPC_PUBLIC ? config.CHAIN_RPC_URL : null,
      confirmations: config.CHAIN_CONFIRMATIONS,
    };
    return { ...client, info, rpcUrl: config.CHAIN_RPC_URL, fromBlock: 0, embedded: undefined, close: async () => client.provider.destroy() };
  }

  // The embedded chain: anvil under supervision, its state saved in DATA_DIR after every anchor (and at stop), by
  // this process alone: another's anvil would save its own chain over it.
  const binaryPath = anvilBinaryPath(config.ANVIL_PATH);
  const stateDir = path.join(config.DATA_DIR, "chain");
  const hold = await holdDirectory(stateDir, "The embedded chain's state");
  const anvil = await SupervisedAnvil.start({ stateFile: path.join(stateDir, "anvil-state.json"), port: config.EMBEDDED_CHAIN_PORT, binaryPath }, log).catch(async (error: unknown) => {
    await hold.release();
    throw error;
  });
  const client = createChainClient({ rpcUrl: anvil.rpcUrl, privateKey: EMBEDDED_ANCHORER_KEY, chainId: 31337 });
  try {
    const deployment = await ensureDeployment({ wallet: client.wallet, dataDir: config.DATA_DIR, log });
    if (!deployment.reused) await anvil.saveState();
    const info: ChainInfo = {
      chainId: deployment.chainId,
      contract: deployment.address.toLowerCase(),
      publicRpcUrl: anvil.rpcUrl,
      confirmations: config.CHAIN_CONFIRMATIONS,
    };
    return {
      ...client,
      info,
      rpcUrl: anvil.rpcUrl,
      fromBlock: deployment.blockNumber,
      embedded: { name: `embedded-${deployment.address.slice(2, 10).toLowerCase()}`, deployBlock: deployment.blockNumber },
      persist: () => anvil.saveState(),
      status: () => anvil.status,
      onRestart: (listener: () => void) => anvil.onRestart(listener),
      standDown: () => anvil.standDown(),
      settled: () => anvil.settled(CHAIN_EXIT_GRACE_MS),
      close: async () => {
        client.provider.destroy();
        await anvil.stop();
        await hold.release();
      },
    };
  } catch (error) {
    client.provider.destroy();
    await anvil.stop();
    await hold.release();
    throw error;
  }
}

/** The image analyser and the matcher's query views: on worker threads, or on this one with ANALYSIS_WORKERS=0. */
function startAnalyser(config: Config, log: Logger, sources: MetricSources, metrics: Metrics): { analyser: ImageAnalyser; views: QueryViews; close(): Promise<void> } {
  if (config.ANALYSIS_WORKERS === 0) return { analyser: inlineAnalyser(config), views: inlineViews, close: async () => undefined };
  const { analyser, views, pool } = startAnalysisPool(config, {
    size: config.ANALYSIS_WORKERS,
    maxQueue: config.ANALYSIS_QUEUE,
    maxWaitMs: config.ANALYSIS_MAX_WAIT_MS,
    log,
    onTask: (kind, waitedMs, ranMs) => metrics.observeAnalysis(kind, waitedMs, ranMs),
  });
  sources.pool = () => pool.status;
  return { analyser, views, close: () => pool.close() };
}

/**
 * How long a stop waits, from the signal, for an embedded anvil that got the same signal to exit (it saves its
 * state first) before the last anchoring run; one that did not get it costs this much of the stop at most.
 */
const CHAIN_EXIT_GRACE_MS = 1_500;

/** One last seal-and-anchor run, given at most `timeoutMs` (a chain that does not answer must not hold the exit). */
async function flush(batcher: Batcher, timeoutMs: number, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  const result = await Promise.race([batcher.runNow(), timedOut]);
  clearTimeout(timer);
  if (result === "timeout") log.warn({ timeoutMs }, "the last anchoring run did not finish in time; what is sealed is anchored at the next start");
  else log.info({ sealed: result.sealed, anchored: result.anchored.length, errors: result.errors.length }, "flushed the batcher");
}
