import type { Config } from "../config";
import type { ChainFactsReader } from "../chain/chain-facts";
import type { Db } from "../db/client";
import type { AnchorTarget } from "../ledger/anchor";
import type { Batcher } from "../ledger/batcher";
import type { ReconcilerStats } from "../ledger/reconciler";
import type { WebhookPoster } from "../net/post-webhook";
import type { WEBHOOK_JOB } from "../webhooks/events";
import type { WATCH_JOB } from "./watch";
import type { Logger } from "../observability/logger";
import type { LibraryIndex } from "../search/library-index";
import type { ImageAnalyser } from "./image-analysis";
import type { ImageFetcher } from "./image-source";
import type { ServiceDeployments } from "./service-deployments";

/** The kinds of job the use cases queue, each run by its own runner. */
export type JobKind = typeof WATCH_JOB | typeof WEBHOOK_JOB;

export interface ChainInfo {
  chainId: number;
  contract: string;
  /** Shown by GET /v1/chain only when it is a local or declared-public endpoint. */
  publicRpcUrl: string | null;
  confirmations: number;
}

/**
 * Everything the use cases need, built by the composition root (src/services.ts) or a test and injected:
 * no module-level singletons. The HTTP edge, the CLI and jobs all call use cases with these.
 */
export interface UseCaseDeps {
  db: Db;
  config: Config;
  chain: ChainInfo;
  batcher: Batcher;
  /** The current deployment's contract, for anchoring beside the batcher (re-anchoring). */
  anchorTarget: AnchorTarget;
  /** The deployments this service publishes and trusts, and the one it anchors with. */
  deployments: ServiceDeployments;
  /** Reads what the chain says about an anchor (receipt, event, block time, anchoredAt, anchorer). */
  readChainFacts: ChainFactsReader;
  /** Whether the chain answers (the embedded anvil is up; a real chain's last reconciler pass could read it). */
  chainStatus?(): { reachable: boolean; restarts?: number };
  /** The reconciler's counters (anchors re-checked, reverted, unknown roots on chain). */
  reconciler?: ReconcilerStats;
  /** Decodes and fingerprints images (CPU-heavy: may run in a pool). */
  analyser: ImageAnalyser;
  /** Fetches an image by URL under the fetch policy. */
  fetchImage: ImageFetcher;
  /** This process's search index (absent: search answers 503). */
  library?: LibraryIndex;
  /** Called after an image is stored, so the local search index picks it up at once. */
  onImageAdded?(): void;
  /** POSTs a signed webhook delivery (the composition root chooses the fetch policy). */
  postWebhook: WebhookPoster;
  /**
   * Called after a job of `kind` is queued, so this process's runner of that kind looks at once instead of at its
   * next poll (only that runner: a runner woken with nothing to do still queries the job table).
   */
  wakeJobs?(kind: JobKind): void;
  log: Logger;
}
