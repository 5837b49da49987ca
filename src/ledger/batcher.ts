import type { DatabaseLock } from "../db/locks";
import type { Db } from "../db/client";
import type { Logger } from "../observability/logger";
import { anchorSealed, publicMessage, type AnchoredBatch, type AnchorTarget } from "./anchor";
import { SerialRunner } from "./serial-runner";
import { countPending, sealPending } from "./seal";

export interface BatcherOptions {
  intervalMs: number;
  maxBatch: number;
  log?: Logger;
  /**
   * Held while sealing and anchoring, so that one process of a deployment anchors at a time (one anchorer key
   * means one nonce sequence). Without it every run proceeds.
   */
  lock?: DatabaseLock;
  /** Told the outcome of every run (the metrics count anchor failures). */
  onRun?(result: RunResult): void;
}

export interface RunResult {
  sealed: number;
  anchored: AnchoredBatch[];
  /** Sealed batches that could not be anchored in this run (they stay sealed and are retried). */
  failed: number;
  /** Sentences a client may see (library text stays in the log). */
  errors: string[];
  /** Another process held the anchoring lock, so this timer run did nothing. */
  skipped?: boolean;
}

const EMPTY: RunResult = { sealed: 0, anchored: [], failed: 0, errors: [] };

/**
 * Seals pending registrations every `intervalMs`, or as soon as `maxBatch` are waiting, and anchors what is
 * sealed. Runs are serialised in-process and, with a lock, across processes: a timer run skips while another
 * process anchors, a run asked for by an admin waits for it. Anchoring stays idempotent without the lock.
 */
export class Batcher {
  private readonly runner: SerialRunner;
  private sinceRun = 0;

  constructor(
    private readonly db: Db,
    private readonly target: AnchorTarget,
    private readonly options: BatcherOptions,
  ) {
    this.runner = new SerialRunner(options.intervalMs, options.log);
  }

  start(): void {
    this.runner.start(() => this.locked(false));
  }

  /** Waits for the run in progress, then stops; nothing sealed is lost (it is anchored on the next start). */
  stop(): Promise<void> {
    return this.runner.stop();
  }

  /** Tells the batcher one more registration is pending; a full batch is sealed without waiting for the timer. */
  notifyRegistered(): void {
    this.sinceRun += 1;
    if (this.sinceRun >= this.options.maxBatch && !this.runner.isStopped) void this.runner.run(() => this.locked(false));
  }

  /** Seals everything pending now and anchors all sealed batches (waiting for another process's run to end). */
  runNow(): Promise<RunResult> {
    return this.runner.run(() => this.locked(true));
  }

  private async locked(wait: boolean): Promise<RunResult> {
    const { lock } = this.options;
    if (!lock) return this.run();
    if (wait) return lock.run(() => this.run());
    return (await lock.tryRun(() => this.run()))?.value ?? { ...EMPTY, skipped: true };
  }

  private async run(): Promise<RunResult> {
    const log = this.options.log;
    this.sinceRun = 0;
    const errors: string[] = [];
    let sealed = 0;
    try {
      while (await countPending(this.db)) {
        const batch = await sealPending(this.db, this.options.maxBatch);
        if (!batch) break;
        sealed += 1;
        log?.info({ batch: batch.id, leaves: batch.leafCount, root: batch.root }, "sealed batch");
      }
    } catch (error) {
      log?.warn({ err: error }, "sealing failed");
      errors.push(`seal: ${publicMessage(error)}`);
    }
    const { anchored, failed } = await anchorSealed(this.db, this.target).catch((error: unknown) => {
      log?.warn({ err: error }, "anchoring failed");
      errors.push(`anchor: ${publicMessage(error)}`);
      return { anchored: [] as AnchoredBatch[], failed: [] };
    });
    for (const a of anchored) log?.info({ batch: a.id, txHash: a.txHash, blockNumber: a.blockNumber }, "anchored batch");
    for (const f of failed) {
      log?.warn({ batch: f.batch.id, root: f.batch.root, err: f.cause }, "anchoring a batch failed; it stays sealed");
      errors.push(`anchor: ${publicMessage(f.cause)}`);
    }
    const result = { sealed, anchored, failed: failed.length, errors };
    this.options.onRun?.(result);
    return result;
  }
}
