import { sql } from "drizzle-orm";
import type { ChainReachability } from "../chain/reachability";
import type { Db } from "../db/client";
import type { IndexStatus } from "../search/library-index";

export interface Readiness {
  /**
   * The process can take traffic: its database answers, its search index has loaded, and its embedded chain (when
   * it supervises one) is not down.
   */
  ready: boolean;
  database: { ok: boolean };
  /** Reported; only an embedded chain that is down makes the process unready (a real chain's absence only delays anchoring). */
  chain?: { reachable: boolean; blockNumber?: number | null; restarts?: number };
  index?: IndexStatus;
}

/** The process's own view of its chain: the supervised embedded anvil's state, or the reconciler's last pass. */
export type ChainStatus = () => { reachable: boolean; restarts?: number };

const DATABASE_TIMEOUT_MS = 1_000;

export async function checkReadiness(sources: { db: Db; chain?: () => Promise<ChainReachability>; chainStatus?: ChainStatus; index?: IndexStatus }): Promise<Readiness> {
  const [database, probe] = await Promise.all([pingDatabase(sources.db), sources.chain?.()]);
  const indexReady = sources.index === undefined || sources.index.state === "ready";
  const own = sources.chainStatus?.();
  const probed = probe && { reachable: probe.reachable, blockNumber: probe.blockNumber };
  // The process's own status (the embedded chain being restarted) wins over the RPC probe's, which may lag it.
  const chain = own?.reachable === false ? own : own ? { ...probed, ...own } : probed;
  return {
    ready: database && indexReady && own?.reachable !== false,
    database: { ok: database },
    ...(chain ? { chain } : {}),
    ...(sources.index ? { index: sources.index } : {}),
  };
}

/** `select 1` within a second. */
async function pingDatabase(db: Db): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), DATABASE_TIMEOUT_MS)));
  try {
    return await Promise.race([db.execute(sql`select 1`).then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
