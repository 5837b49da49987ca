import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { batches } from "../db/schema";
import type { ChainFacts } from "../core/verify";
import type { Logger } from "../observability/logger";
import { SerialRunner } from "./serial-runner";

/** What the chain says now about one recorded anchor: what a verifier reads, and how deep it is. */
export interface AnchorFacts extends ChainFacts {
  /** Blocks on top of and including the receipt's block. */
  confirmations: number;
}

/** The reads the reconciler needs from the chain (implemented in src/chain). */
export interface ChainView {
  /** The deployment this process anchors with: only its anchors are re-checked here (a retired one's chain may be gone). */
  chainId: number;
  contract: string;
  head(): Promise<number>;
  inspect(anchor: { root: string; txHash: string; contract: string }): Promise<AnchorFacts>;
  /** Roots of every Anchored event of the configured contract in [fromBlock, toBlock]. */
  anchoredRoots(fromBlock: number, toBlock: number): Promise<string[]>;
}

export interface ReconcilerOptions {
  intervalMs: number;
  /** Confirmations after which an intact anchor is final and no longer re-checked. */
  finalityBlocks: number;
  /** The contract's deployment block: nothing of ours is anchored before it. */
  fromBlock: number;
  log: Logger;
  /** Called when batches went back to `sealed`, so that they are anchored again soon. */
  onReverted?: () => void;
}

/** Counters for operators (metrics read them); they only grow, except the reachability flag. */
export interface ReconcilerStats {
  passes: number;
  failedPasses: number;
  /** Whether the last pass could read the chain (null before the first). */
  chainReachable: boolean | null;
  lastPassAt: Date | null;
  /** Anchored batches found intact and now final. */
  finalized: number;
  /** Anchored batches whose transaction was gone (or changed) and that went back to `sealed`. */
  reverted: number;
  /** Distinct roots anchored by the contract that no batch in the database has. */
  unknownRoots: number;
}

export interface ReconcileResult {
  checked: number;
  finalized: number;
  reverted: number;
  unknownRoots: string[];
}

/**
 * Re-checks anchored batches against the chain until they are final, because "anchored" in the database is
 * only as good as the chain's memory: a reorg, or a node restarted from an older state, can drop the
 * transaction. A batch whose anchor is gone goes back to `sealed` (its evidence answers 202 again) and is
 * anchored again with the same root. Its updates are conditional on the transaction it checked, so passes in
 * several processes, or alongside the batcher, cannot undo each other.
 */
export class Reconciler {
  readonly stats: ReconcilerStats = { passes: 0, failedPasses: 0, chainReachable: null, lastPassAt: null, finalized: 0, reverted: 0, unknownRoots: 0 };
  private readonly runner: SerialRunner;
  /** Highest block already scanned for unknown roots. */
  private scannedTo: number;
  private readonly reported = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly chain: ChainView,
    private readonly options: ReconcilerOptions,
  ) {
    this.scannedTo = options.fromBlock - 1;
    this.runner = new SerialRunner(options.intervalMs, options.log);
  }

  start(): void {
    this.runner.start(() => this.pass());
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  /** One pass now (after the one in progress); null when the chain could not be read. */
  runNow(): Promise<ReconcileResult | null> {
    return this.runner.run(() => this.pass());
  }

  private async pass(): Promise<ReconcileResult | null> {
    const { log } = this.options;
    try {
      const result = await this.reconcile();
      this.stats.passes += 1;
      this.stats.chainReachable = true;
      this.stats.lastPassAt = new Date();
      if (result.reverted) this.options.onReverted?.();
      return result;
    } catch (error) {
      this.stats.failedPasses += 1;
      this.stats.chainReachable = false;
      log.warn({ err: error }, "reconciler: the chain could not be read; will retry");
      return null;
    }
  }

  private async reconcile(): Promise<ReconcileResult> {
    const { log, finalityBlocks } = this.options;
    const head = await this.chain.head();
    const open = await this.db
      .select()
      .from(batches)
      .where(
        and(
          eq(batches.status, "anchored"),
          isNull(batches.finalizedAt),
          eq(batches.chainId, this.chain.chainId),
          eq(batches.contract, this.chain.contract.toLowerCase()),
        ),
      )
      .orderBy(asc(batches.id));
    const result: ReconcileResult = { checked: open.length, finalized: 0, reverted: 0, unknownRoots: [] };

    for (const b of open) {
      const facts = await this.chain.inspect({ root: b.root, txHash: b.txHash!, contract: b.contract! });
      const intact =
        facts.chainId === b.chainId &&
        facts.receiptFound &&
        facts.eventFound &&
        facts.blockNumber === b.blockNumber &&
        facts.blockTimestamp === b.blockTimestamp &&
        facts.anchoredAt === b.blockTimestamp;
      const same = and(eq(batches.id, b.id), eq(batches.status, "anchored"), eq(batches.txHash, b.txHash!));
      if (!intact) {
        const reverted = await this.db
          .update(batches)
          .set({
            status: "sealed",
            chainId: null,
            contract: null,
            txHash: null,
            blockNumber: null,
            blockTimestamp: null,
            gasUsed: null,
            anchoredAt: null,
            lastError: `anchor transaction ${b.txHash} is no longer on chain; anchoring again`,
          })
          .where(same)
          .returning({ id: batches.id });
        if (reverted.length) {
          result.reverted += 1;
          this.stats.reverted += 1;
          log.warn({ batch: b.id, root: b.root, txHash: b.txHash, blockNumber: b.blockNumber, facts }, "reconciler: anchor vanished; batch back to sealed");
        }
      } else if (facts.confirmations >= finalityBlocks) {
        const done = await this.db.update(batches).set({ finalizedAt: new Date() }).where(same).returning({ id: batches.id });
        if (done.length) {
          result.finalized += 1;
          this.stats.finalized += 1;
        }
      }
    }

    // Roots on chain that no batch has: another holder of the anchorer key, or a database restored from an
    // older backup. Nothing to repair automatically, but an operator must hear of it. Re-scan the unfinal tail.
    const from = Math.max(this.options.fromBlock, this.scannedTo + 1 - finalityBlocks);
    const roots = [...new Set((await this.chain.anchoredRoots(from, head)).map((r) => r.toLowerCase()))].filter((r) => !this.reported.has(r));
    for (let i = 0; i < roots.length; i += 500) {
      const chunk = roots.slice(i, i + 500);
      const known = new Set((await this.db.select({ root: batches.root }).from(batches).where(inArray(batches.root, chunk))).map((r) => r.root));
      for (const root of chunk) {
        if (known.has(root)) continue;
        this.reported.add(root);
        this.stats.unknownRoots += 1;
        result.unknownRoots.push(root);
        log.error({ root }, "reconciler: a root is anchored on chain that the database does not know");
      }
    }
    this.scannedTo = Math.max(this.scannedTo, head);
    return result;
  }
}
