/**
 * PGlite's thread (see pglite-thread.ts): it opens PGlite under `workerData.data.dataDir` (in memory without one),
 * tells the event loop it is ready or why it failed, then answers statements and transaction boundaries.
 *
 * PGlite serialises its own work: a statement outside a transaction waits while one is open, as it does in a
 * single process, so the event loop's callers see the same isolation as before.
 */
import { parentPort, workerData } from "node:worker_threads";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { transferablesOf } from "../work/protocol";
import { parseDrizzleTextTypes } from "./pglite-parsers";
import { toDatabaseWireError, type DatabaseReply, type DatabaseRequest } from "./pglite-protocol";

const BYTEA_OID = 17;
/**
 * bytea to and from PostgreSQL's hex text form, natively. PGlite's own codecs build the text one byte at a time in
 * JavaScript (an array of two-character strings, then parseInt per byte): storing a listing's upload and its
 * features cost more than anything else in the watch benchmark (README, Watch alerts).
 */
const byteaText = (value: Uint8Array): string => "\\x" + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex");
const byteaOfText = (text: string): Uint8Array => Buffer.from(text.slice(2), "hex");

/** Rejects a transaction's callback, so that PGlite rolls it back; never seen outside this file. */
const ROLL_BACK = Symbol("roll back");

interface OpenTransaction {
  tx: Transaction;
  finish(commit: boolean): void;
  ended: Promise<void>;
}

async function serve(dataDir: string | undefined): Promise<void> {
  const port = parentPort!;
  let client: PGlite;
  try {
    client = await PGlite.create({ dataDir, serializers: { [BYTEA_OID]: byteaText }, parsers: { [BYTEA_OID]: byteaOfText } });
    parseDrizzleTextTypes(client);
  } catch (error) {
    port.postMessage({ ready: false, error: toDatabaseWireError(error) });
    return;
  }
  /** Each open transaction, by its number, once its BEGIN has run (a rejection: BEGIN failed). */
  const open = new Map<number, Promise<OpenTransaction>>();

  const begin = (number: number): void => {
    const started = new Promise<OpenTransaction>((resolve, failed) => {
      // PGlite calls the callback after BEGIN has run, by which time `ended` holds the transaction's promise.
      const ended: Promise<void> = client.transaction(
        (tx) =>
          new Promise<void>((commit, rollBack) => {
            resolve({ tx, finish: (toCommit) => (toCommit ? commit() : rollBack(ROLL_BACK)), ended });
          }),
      );
      // BEGIN failing rejects `ended` before the callback ever runs; later failures are end()'s to report.
      ended.catch(failed);
    });
    // Observed by the transaction's statements and its end; a transaction may have neither before BEGIN fails.
    started.catch(() => undefined);
    open.set(number, started);
  };

  const transactionOf = (number: number): Promise<OpenTransaction> =>
    open.get(number) ?? Promise.reject(new Error(`invariant violated: no open transaction ${number}`));

  const end = async (number: number, commit: boolean): Promise<null> => {
    try {
      const transaction = await transactionOf(number);
      transaction.finish(commit);
      await transaction.ended.catch((error: unknown) => {
        if (error !== ROLL_BACK) throw error;
      });
      return null;
    } finally {
      open.delete(number);
    }
  };

  const answer = async (request: Exclude<DatabaseRequest, { kind: "begin" }>) => {
    switch (request.kind) {
      case "query": {
        const on = request.transaction === undefined ? client : (await transactionOf(request.transaction)).tx;
        return on.query(request.sql, request.params, { rowMode: request.rowMode });
      }
      case "batch":
        await client.transaction(async (tx) => {
          for (const statement of request.statements) await tx.query(statement.sql, statement.params);
        });
        return null;
      case "end":
        return end(request.transaction, request.commit);
      case "close":
        return client.close().then(() => null);
    }
  };

  port.on("message", async (request: DatabaseRequest) => {
    // Registered before any later message is read, so that the transaction's statements find it.
    if (request.kind === "begin") return begin(request.transaction);
    let reply: DatabaseReply;
    try {
      reply = { id: request.id, ok: true, value: await answer(request) };
    } catch (error) {
      reply = { id: request.id, ok: false, error: toDatabaseWireError(error) };
    }
    // The rows' byte strings are fresh buffers of their own: moved, not copied.
    port.postMessage(reply, reply.ok ? transferablesOf(reply.value) : []);
  });
  port.postMessage({ ready: true });
}

void serve((workerData as { data: { dataDir?: string } }).data.dataDir);
