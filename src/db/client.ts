import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { Config } from "../config";
import { holdDirectory } from "../process/directory-hold";
import { advisoryLocks, inProcessLocks, type DatabaseLock, type LockName } from "./locks";
import { openPgliteThread, type PgliteThread } from "./pglite-thread";
import * as schema from "./schema";
import { sendTogetherBy } from "./write-together";

export type Schema = typeof schema;
/** The one database type the rest of the code sees, whichever engine is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/** Anything that can run queries: the database or a transaction on it. */
export type Queryable = Pick<Db, "select" | "insert" | "update" | "delete" | "execute">;

export interface Database {
  db: Db;
  engine: "pglite" | "postgres";
  /** A lock shared by every process on this database (see locks.ts). */
  lock(name: LockName): DatabaseLock;
  /**
   * Told if the database is gone for good (PGlite's thread died): the process should then exit, so that whatever
   * supervises it starts it again. PostgreSQL never tells: postgres.js reconnects by itself.
   */
  onLost(listener: (error: Error) => void): void;
  close(): Promise<void>;
}

const migrationsFolder = path.resolve(__dirname, "../../drizzle");

export type DatabaseOptions =
  /** Embedded PGlite; `dataDir` undefined means in memory (tests). */
  | { engine: "pglite"; dataDir?: string }
  | { engine: "postgres"; url: string; max?: number };

/** The database a service's configuration names: PostgreSQL at DATABASE_URL, else PGlite under DATA_DIR. */
export function databaseFor(config: Pick<Config, "DATABASE_URL" | "DATA_DIR">): DatabaseOptions {
  return config.DATABASE_URL ? { engine: "postgres", url: config.DATABASE_URL } : { engine: "pglite", dataDir: path.join(config.DATA_DIR, "pglite") };
}

/**
 * Opens the database and brings its schema up to date. Migrations run in-process, under a lock: processes
 * starting together on one PostgreSQL would otherwise race to create the same tables and migration records.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.engine === "pglite") {
    // PGlite is PostgreSQL for one process: a second process on the same files would corrupt them.
    const hold = options.dataDir ? await holdDirectory(options.dataDir, "The embedded database") : undefined;
    const close = async (client?: PgliteThread) => {
      await client?.close();
      await hold?.release();
    };
    const client = await openPgliteThread(options.dataDir).catch(async (error: unknown) => {
      await close();
      throw error;
    });
    const db = drizzlePglite({ client: client as unknown as PGlite, schema });
    sendTogetherBy(db as unknown as Db, (statements) => client.writeTogether(statements));
    try {
      await migratePglite(db, { migrationsFolder });
    } catch (error) {
      await close(client);
      throw error;
    }
    return { db: db as unknown as Db, engine: "pglite", lock: inProcessLocks.lock, onLost: client.onLost, close: () => close(client) };
  }
  const client = postgres(options.url, { max: options.max ?? 10, onnotice: () => {} });
  const db = drizzlePostgres(client, { schema });
  // An array returned to begin() is pipelined: sent at once, answered in order.
  sendTogetherBy(db as unknown as Db, async (statements) => {
    await client.begin((sql) => statements.map((s) => sql.unsafe(s.sql, s.params as postgres.ParameterOrJSON<never>[])));
  });
  const locks = advisoryLocks(options.url);
  try {
    await locks.lock("migrations").run(() => migratePostgres(db, { migrationsFolder }));
  } catch (error) {
    await locks.close();
    await client.end({ timeout: 5 });
    throw error;
  }
  return {
    db: db as unknown as Db,
    engine: "postgres",
    lock: locks.lock,
    onLost: () => {},
    close: async () => {
      await locks.close();
      await client.end({ timeout: 5 });
    },
  };
}
