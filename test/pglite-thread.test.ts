import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImprintError } from "../src/core/errors";
import { openPgliteThread, pgliteOn, startPgliteHost, type PgliteThread } from "../src/db/pglite-thread";

/** PGlite on its own thread (src/db/pglite-thread.ts), as drizzle and the service use it. */
describe("PGlite on its own thread", () => {
  let client: PgliteThread;
  beforeAll(async () => {
    client = await openPgliteThread(undefined);
    await client.query("create table t (id int primary key, label text, bytes bytea)");
  });
  afterAll(() => client.close());

  it("answers statements with their rows, bytea as bytes", async () => {
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
    await client.query("insert into t values ($1, $2, $3)", [1, "one", bytes]);
    const { rows } = await client.query<[number, string, Uint8Array]>("select id, label, bytes from t where id = $1", [1], { rowMode: "array" });
    expect(rows[0][0]).toBe(1);
    expect(rows[0][1]).toBe("one");
    expect(Buffer.from(rows[0][2]).equals(bytes)).toBe(true);
  });

  it("commits a transaction whose callback resolves, rolls back one that throws, and passes its error on", async () => {
    await client.transaction(async (tx) => {
      await tx.query("insert into t (id, label) values (2, 'two')");
    });
    const failure = new Error("the caller's own");
    await expect(
      client.transaction(async (tx) => {
        await tx.query("insert into t (id, label) values (3, 'three')");
        throw failure;
      }),
    ).rejects.toBe(failure);
    const { rows } = await client.query<{ id: number }>("select id from t where id in (2, 3) order by id");
    expect(rows.map((r) => r.id)).toEqual([2]);
    // A transaction without a statement still opens and ends (its BEGIN travels unanswered, ahead of its end).
    expect(await client.transaction(async () => "nothing to do")).toBe("nothing to do");
  });

  it("holds a statement outside a transaction until the transaction ends, as PGlite in one thread did", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const didInsert = new Promise<void>((resolve) => (inserted = resolve));
    const transaction = client.transaction(async (tx) => {
      await tx.query("insert into t (id, label) values (4, 'four')");
      inserted();
      await gate;
    });
    await didInsert;
    let answered = false;
    const outside = client.query<{ n: number }>("select count(*)::int as n from t where id = 4").then((r) => {
      answered = true;
      return r.rows[0].n;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answered).toBe(false);
    release();
    await transaction;
    expect(await outside).toBe(1);
  });

  it("keeps a PostgreSQL error's fields (a unique violation's code and constraint)", async () => {
    const error = await client.query("insert into t (id) values (1)").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: "23505", constraint: "t_pkey", table: "t" });
  });

  it("refuses a query's own parsers, which cannot cross threads", async () => {
    await expect(client.query("select 1", [], { parsers: { 23: (x: string) => Number(x) * 2 } })).rejects.toThrow(/cannot reach the database's thread/);
  });
});

describe("PGlite's thread stopping", () => {
  it("fails every statement in flight and every one after with database_unavailable when the thread dies", async () => {
    const worker = startPgliteHost(undefined);
    const client = await pgliteOn(worker);
    const told: Error[] = [];
    client.onLost((error) => told.push(error));
    const inFlight = client.query("select pg_sleep(2)");
    const stopped = worker.terminate();
    const error = await inFlight.catch((e: unknown) => e);
    await stopped;
    expect(error).toBeInstanceOf(ImprintError);
    expect((error as ImprintError).code).toBe("database_unavailable");
    await expect(client.query("select 1")).rejects.toMatchObject({ code: "database_unavailable" });
    // The service exits on this (src/main.ts), so that its supervisor starts it again.
    expect(told).toEqual([error]);
  });

  it("fails statements after close with database_unavailable, and does not report a close as a loss", async () => {
    const client = await openPgliteThread(undefined);
    const told: Error[] = [];
    client.onLost((error) => told.push(error));
    await client.close();
    expect(told).toEqual([]);
    await expect(client.query("select 1")).rejects.toMatchObject({ code: "database_unavailable" });
  });

  it("settles every statement sent before close: answered, or failed with database_unavailable, never left waiting", async () => {
    const client = await openPgliteThread(undefined);
    // Each statement's error, or undefined once it is answered, observed as soon as it is sent.
    const outcome = (statement: Promise<unknown>) => statement.then(() => undefined, (error: unknown) => error);
    // Statements queued on PGlite behind one another when the close arrives: the thread ends once PGlite has closed,
    // and an answer it had not sent by then never comes.
    const sent = Array.from({ length: 10 }, (_, i) => outcome(client.query(`select pg_sleep(0.01), ${i} as n`)));
    const closing = client.close();
    // And statements sent while the close is under way (a job runner polling, say), before it has answered.
    for (let i = 0; i < 10; i++) {
      sent.push(outcome(client.query(`select ${i} as n`)));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await closing;
    const settled = await Promise.race([Promise.all(sent), new Promise<"waiting">((resolve) => setTimeout(() => resolve("waiting"), 5_000))]);
    expect(settled).not.toBe("waiting");
    for (const error of settled as unknown[]) if (error !== undefined) expect(error).toMatchObject({ code: "database_unavailable" });
  });

  it("creates a database in a new directory and opens it again with its rows", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imprint-pglite-thread-"));
    try {
      const first = await openPgliteThread(dir);
      await first.query("create table kept (label text)");
      await first.query("insert into kept values ('written before the close')");
      await first.close();
      expect(existsSync(join(dir, "PG_VERSION"))).toBe(true);
      const again = await openPgliteThread(dir);
      const { rows } = await again.query<{ label: string }>("select label from kept");
      await again.close();
      expect(rows).toEqual([{ label: "written before the close" }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects the open where PGlite cannot open its directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imprint-pglite-thread-"));
    try {
      const notADirectory = join(dir, "file");
      writeFileSync(notADirectory, "not a database");
      await expect(openPgliteThread(notADirectory)).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
