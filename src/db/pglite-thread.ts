/**
 * PGlite (PostgreSQL compiled to WebAssembly) on a thread of its own. On the event loop its statements took ~40 %
 * of the loop's time in a registration (README, bench:query), time in which no other request was served. Here the
 * event loop sends statements and receives rows, and PostgreSQL parses, plans and writes beside it, as a server
 * does in its own processes.
 *
 * To drizzle this is a PGlite client: `query`, and `transaction` whose callback gets the same for its statements
 * (drizzle nests transactions by savepoints through `query`).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { QueryOptions, Results } from "@electric-sql/pglite";
import { ImprintError } from "../core/errors";
import { rowModeOf } from "./pglite-parsers";
import { fromDatabaseWireError, type DatabaseReply, type DatabaseRequest, type DatabaseWireError } from "./pglite-protocol";
import type { Statement } from "./write-together";

/** The worker starts as plain Node: the bootstrap registers tsx, then loads the TypeScript module. */
const BOOTSTRAP = path.join(__dirname, "../work/worker-bootstrap.cjs");
const HOST = path.join(__dirname, "pglite-host.ts");

/** Distributes DatabaseRequest over its kinds, so that a request can be built without its id. */
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

export interface PgliteQueries {
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
}

export interface PgliteThread extends PgliteQueries {
  transaction<T>(callback: (tx: PgliteQueries) => Promise<T>): Promise<T>;
  /** Statements run in one transaction on the thread, without a round trip between them (write-together.ts). */
  writeTogether(statements: Statement[]): Promise<void>;
  close(): Promise<void>;
  /** Told once, with why, if the thread dies (not on close): every statement fails from then on. */
  onLost(listener: (error: Error) => void): void;
}

/**
 * Starts the thread and opens PGlite on it (under `dataDir`, or in memory); rejects with PGlite's own error.
 *
 * A directory that holds no database yet gets one from a thread of its own, which then ends. Creating it runs
 * PostgreSQL's initdb in a second WebAssembly instance whose memory (~480 MB resident here) V8 frees only after
 * several full collections, which a thread that does nothing but relay statements may never run: the service held
 * that memory for as long as it ran (README, bench:load). Opening an existing database costs a fraction of creating
 * it, and only the first start pays it.
 */
export async function openPgliteThread(dataDir: string | undefined): Promise<PgliteThread> {
  if (dataDir !== undefined && !existsSync(path.join(dataDir, "PG_VERSION"))) {
    const creator = await pgliteOn(startPgliteHost(dataDir));
    await creator.close();
  }
  return pgliteOn(startPgliteHost(dataDir));
}

/** The thread alone (pglite-host.ts), opening PGlite. */
export function startPgliteHost(dataDir: string | undefined): Worker {
  return new Worker(BOOTSTRAP, { workerData: { module: HOST, data: { dataDir } } });
}

/** The client of a thread running pglite-host.ts, once it has opened PGlite (tests stop the thread under it). */
export async function pgliteOn(worker: Worker): Promise<PgliteThread> {
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  let nextId = 1;
  let nextTransaction = 1;
  let stopped: Error | undefined;
  let closing: Promise<void> | undefined;

  // The thread keeps the process alive only while a statement is in flight: an idle open database must not stop
  // a finished script from exiting, and a pending statement must not be cut off by the process exiting.
  const settle = (id: number) => {
    const waiter = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) worker.unref();
    return waiter;
  };
  const opening = new Promise<void>((ready, failed) => {
    const opened = (message: { ready: true } | { ready: false; error: DatabaseWireError }) => {
      worker.off("error", failed).off("exit", exited);
      if (message.ready) ready();
      else failed(fromDatabaseWireError(message.error));
    };
    const exited = (code: number) => failed(new Error(`the database's thread exited (code ${code}) while PGlite opened`));
    worker.once("message", opened).once("error", failed).once("exit", exited);
  });
  await opening.catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  worker.unref();
  worker.on("message", (reply: DatabaseReply) => {
    const waiter = settle(reply.id);
    if (reply.ok) waiter?.resolve(reply.value);
    else waiter?.reject(fromDatabaseWireError(reply.error));
  });
  // PGlite aborting (its WebAssembly out of memory, say) ends the thread: every statement then fails, and says why.
  const lost = new Set<(error: Error) => void>();
  const died = (cause: Error) => {
    if (stopped) return;
    const error = new ImprintError("database_unavailable", "The database stopped; the service must be restarted.", { cause });
    stopped = error;
    for (const id of [...pending.keys()]) settle(id)!.reject(error);
    for (const listener of lost) listener(error);
  };
  worker.on("error", died);
  worker.on("exit", (code) => died(new Error(`the database's thread exited with code ${code}`)));

  const call = <T>(request: WithoutId<Exclude<DatabaseRequest, { kind: "begin" }>>): Promise<T> => {
    if (stopped) return Promise.reject(stopped);
    const id = nextId++;
    if (pending.size === 0) worker.ref();
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });
  };
  const queries = (transaction?: number): PgliteQueries => ({
    query: async (sql, params, options) => call({ kind: "query", sql, params, rowMode: rowModeOf(options), transaction }),
  });

  return {
    ...queries(),
    async transaction(callback) {
      if (stopped) throw stopped;
      // BEGIN goes ahead of the first statement without a round trip of its own (DatabaseRequest).
      const transaction = nextTransaction++;
      worker.postMessage({ kind: "begin", transaction } satisfies DatabaseRequest);
      let result;
      try {
        result = await callback(queries(transaction));
      } catch (error) {
        // The callback's error is the one to report; a rollback that fails too is the thread's concern.
        await call({ kind: "end", transaction, commit: false }).catch(() => undefined);
        throw error;
      }
      await call({ kind: "end", transaction, commit: true });
      return result;
    },
    writeTogether: (statements) => call({ kind: "batch", statements }),
    onLost: (listener) => void lost.add(listener),
    close() {
      closing ??= (async () => {
        if (stopped) return;
        const closed = new ImprintError("database_unavailable", "The database is closed.");
        try {
          const done = call({ kind: "close" });
          // Refused from now on: a statement sent after the close could be answered after the thread has ended.
          stopped = closed;
          await done;
        } finally {
          // A close that failed still ends the thread: nothing else would.
          stopped = closed;
          await worker.terminate();
          // A statement PGlite answered after its close answered (queued behind it) has no answer left to come.
          for (const id of [...pending.keys()]) settle(id)!.reject(closed);
        }
      })();
      return closing;
    },
  };
}
