import path from "node:path";
import { ensureAdmin } from "./accounts/admin-key";
import { contractAnchorTarget } from "./chain/anchor-target";
import { EMBEDDED_ANCHORER_KEY, startAnvil, type AnvilInstance } from "./chain/anvil";
import { chainFactsReader } from "./chain/chain-facts";
import { ensureDeployment } from "./chain/embedded";
import { createChainClient } from "./chain/provider";
import type { Config } from "./config";
import { openDatabase, type Database } from "./db/client";
import { createApp, type App } from "./http/app";
import type { AppDeps, ChainInfo } from "./http/deps";
import { Batcher } from "./ledger/batcher";
import { countImages, featureLoader } from "./library/images";
import { purgeDelisted } from "./library/listings";
import { purgeExpiredSessions } from "./accounts/sessions";
import { plannedLibrarySize } from "./matching/candidates";
import { createMatcher } from "./matching/matcher";
import { createImageFetcher } from "./net/fetch-image";
import { fetchPolicyOf } from "./net/fetch-policy";
import { silentLogger, type Logger } from "./observability/logger";
import { LibraryIndex } from "./search/library-index";
import { resolveServiceDeployments } from "./use-cases/service-deployments";
import { inlineAnalyser } from "./use-cases/image-analysis";
import type { ImageFetcher } from "./use-cases/image-source";

export interface Services {
  app: App;
  deps: AppDeps;
  database: Database;
  /** Printed once on the first start when no IMPRINT_ADMIN_KEY is configured. */
  generatedAdminKey?: string;
  close(): Promise<void>;
}

export interface ServiceOptions {
  log?: Logger;
  /** An already open database (tests); otherwise PGlite under DATA_DIR or DATABASE_URL. */
  database?: Database;
  /** Start the periodic batcher (tests drive it by hand). */
  startBatcher?: boolean;
  /** How often the search index polls the database for images added by other processes. */
  indexPollMs?: number;
  /** How `url` fields are fetched (default: the configured fetch policy). Tests inject one with a trusted origin. */
  fetchImage?: ImageFetcher;
}

/** The composition root: builds every dependency from the config and injects it; `close()` undoes it all. */
export async function startServices(config: Config, options: ServiceOptions = {}): Promise<Services> {
  const log = options.log ?? silentLogger;
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => log.warn({ err: e }, "shutdown step failed"));
  };
  try {
    const database =
      options.database ??
      (config.DATABASE_URL
        ? await openDatabase({ engine: "postgres", url: config.DATABASE_URL })
        : await openDatabase({ engine: "pglite", dataDir: path.join(config.DATA_DIR, "pglite") }));
    if (!options.database) cleanups.push(() => database.close());
    const { generatedKey, revokedPrevious } = await ensureAdmin(database.db, config.IMPRINT_ADMIN_KEY);
    if (revokedPrevious) log.warn({ revoked: revokedPrevious }, "IMPRINT_ADMIN_KEY changed: the previous admin key is revoked");

    const chain = await connectChain(config, options, log);
    cleanups.push(chain.close);
    const deployments = await resolveServiceDeployments({
      provider: chain.provider,
      file: config.DEPLOYMENTS_FILE ?? path.join(config.DATA_DIR, "deployments.json"),
      chainId: chain.info.chainId,
      contract: chain.info.contract,
      embedded: chain.embedded,
    });

    const target = contractAnchorTarget(chain.wallet, {
      chainId: chain.info.chainId,
      contract: chain.info.contract,
      confirmations: config.CHAIN_CONFIRMATIONS,
      timeoutMs: config.CHAIN_TX_TIMEOUT_MS,
      fromBlock: chain.fromBlock,
    });
    const batcher = new Batcher(database.db, target, { intervalMs: config.ANCHOR_INTERVAL_MS, maxBatch: config.ANCHOR_MAX_BATCH, log });
    if (options.startBatcher ?? true) batcher.start();
    cleanups.push(() => batcher.stop());

    const imageCount = await countImages(database.db);
    const matcher = createMatcher({ loadFeatures: featureLoader(database.db), index: { expectedImages: plannedLibrarySize(imageCount) } });
    const library = new LibraryIndex(database.db, matcher, { pollMs: options.indexPollMs, expectedImages: imageCount, log });
    // Loads in the background: registration, evidence and verification serve at once; search waits for it.
    library.start();
    cleanups.push(() => library.stop());
    const purge = setInterval(() => {
      purgeDelisted(database.db, new Date(), config.RETENTION_DELISTED_DAYS).then(
        (ids) => {
          for (const id of ids) library.remove(id);
          if (ids.length) log.info({ purged: ids.length, retentionDays: config.RETENTION_DELISTED_DAYS }, "purged delisted listings");
        },
        (error: unknown) => log.warn({ err: error }, "purge failed"),
      );
      purgeExpiredSessions(database.db).catch((error: unknown) => log.warn({ err: error }, "purging expired portal sessions failed"));
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
      readChainFacts: chainFactsReader(chain.provider),
      library,
      analyser: inlineAnalyser(config),
      fetchImage: options.fetchImage ?? createImageFetcher(fetchPolicyOf(config, config.MAX_UPLOAD_BYTES)),
      onImageAdded: () => void library.refresh(),
      log,
    };
    return { app: createApp(deps), deps, database, generatedAdminKey: generatedKey, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function connectChain(config: Config, options: ServiceOptions, log: Logger) {
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
    return { ...client, info, fromBlock: 0, embedded: undefined, close: async () => client.provider.destroy() };
  }

  // The embedded chain: anvil keeps its state in DATA_DIR (dumped every second and on SIGTERM).
  const chainDir = path.join(config.DATA_DIR, "chain");
  const anvil: AnvilInstance = await startAnvil({
    stateFile: path.join(chainDir, "anvil-state.json"),
    stateIntervalSec: 1,
    port: config.EMBEDDED_CHAIN_PORT,
  });
  const client = createChainClient({ rpcUrl: anvil.rpcUrl, privateKey: EMBEDDED_ANCHORER_KEY, chainId: 31337 });
  try {
    const deployment = await ensureDeployment({ wallet: client.wallet, dataDir: config.DATA_DIR, log });
    const info: ChainInfo = {
      chainId: deployment.chainId,
      contract: deployment.address.toLowerCase(),
      publicRpcUrl: anvil.rpcUrl,
      confirmations: config.CHAIN_CONFIRMATIONS,
    };
    return {
      ...client,
      info,
      fromBlock: deployment.blockNumber,
      embedded: { name: `embedded-${deployment.address.slice(2, 10).toLowerCase()}`, deployBlock: deployment.blockNumber },
      close: async () => {
        client.provider.destroy();
        await anvil.stop();
      },
    };
  } catch (error) {
    client.provider.destroy();
    await anvil.stop();
    throw error;
  }
}
