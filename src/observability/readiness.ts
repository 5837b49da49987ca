import { sql } from "drizzle-orm";
import type { ChainReachability } from "../chain/reachability";
import type { Db } from "../db/client";
import type { IndexStatus } from "../search/library-index";

export interface Readiness {
  /** The process can take traffic: its database answers and its search index has loaded. */
  ready: boolean;
  database: { ok: boolean };
  /** Reported, but not part of `ready`: registration, search and evidence serve without the chain (anchoring waits). */
  chain?: { reachable: boolean; blockNumber: number | null };
  index?: IndexStatus;
}

const DATABASE_TIMEOUT_MS = 1_000;

export async function checkReadiness(sources: { db: Db; chain?: () => Promise<ChainReachability>; index?: IndexStatus }): Promise<Readiness> {
  const [database, chain] = await Promise.all([pingDatabase(sources.db), sources.chain?.()]);
  const indexReady = sources.index === undefined || sources.index.state === "ready";
  return {
    ready: database && indexReady,
    database: { ok: database },
    ...(chain ? { chain: { reachable: chain.reachable, blockNumber: chain.blockNumber } } : {}),
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
