import type { Db } from "../db/client";
import type { Logger } from "../observability/logger";
import { anchorSealed, type AnchoredBatch, type AnchorTarget } from "./anchor";
import { countPending, sealPending } from "./seal";

export interface BatcherOptions {
  intervalMs: number;
  maxBatch: number;
  log?: Logger;
}

export interface RunResult {
  sealed: number;
  anchored: AnchoredBatch[];
  errors: string[];
}

/**
 * Seals pending leaves (registrations, search receipts) every `intervalMs`, or as soon as `maxBatch` are waiting, and anchors what is
 * sealed. Runs are serialised in-process; across processes sealing is safe (row locks) and anchoring is
 * idempotent (the target), so a second anchorer wastes gas at worst and never double-anchors a root.
 */
export class Batcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RunResult> = Promise.resolve({ sealed: 0, anchored: [], errors: [] });
  private sinceRun = 0;
  private stopped = true;

  constructor(
    private readonly db: Db,
    private readonly target: AnchorTarget,
    private readonly options: BatcherOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Waits for the run in progress, then stops; nothing sealed is lost (it is anchored on the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running.catch(() => undefined);
  }

  /** Tells the batcher one more leaf (a registration, a search receipt) is pending; a full batch is sealed without waiting for the timer. */
  notifyRegistered(): void {
    this.sinceRun += 1;
    if (this.sinceRun >= this.options.maxBatch && !this.stopped) void this.runNow();
  }

  /** Seals everything pending now and anchors all sealed batches; resolves once they are confirmed. */
  runNow(): Promise<RunResult> {
    const run = this.running.catch(() => undefined).then(() => this.run());
    this.running = run;
    return run;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.runNow().finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref?.();
  }

  private async run(): Promise<RunResult> {
    this.sinceRun = 0;
    const errors: string[] = [];
    let sealed = 0;
    try {
      while (await countPending(this.db)) {
        const batch = await sealPending(this.db, this.options.maxBatch);
        if (!batch) break;
        sealed += 1;
        this.options.log?.info({ batch: batch.id, leaves: batch.leafCount, root: batch.root }, "sealed batch");
      }
    } catch (error) {
      errors.push(`seal: ${error instanceof Error ? error.message : String(error)}`);
    }
    const { anchored, failed } = await anchorSealed(this.db, this.target).catch((error: unknown) => ({
      anchored: [] as AnchoredBatch[],
      failed: [{ batch: null, error: error instanceof Error ? error.message : String(error) }],
    }));
    for (const a of anchored) this.options.log?.info({ batch: a.id, txHash: a.txHash, blockNumber: a.blockNumber }, "anchored batch");
    for (const f of failed) errors.push(`anchor: ${f.error}`);
    for (const e of errors) this.options.log?.warn(e);
    return { sealed, anchored, errors };
  }
}
