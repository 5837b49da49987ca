import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { openDatabase, type Database } from "../../src/db/client";

/** The real PostgreSQL of these machines (and CI); override with TEST_DATABASE_URL. */
export const postgresAdminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export const engines = ["pglite", "postgres"] as const;
export type Engine = (typeof engines)[number];

/**
 * A fresh, migrated database of the given engine. PostgreSQL tests each get their own throw-away
 * schema-less database so files can run in parallel; it is dropped on close.
 */
export async function freshDatabase(engine: Engine): Promise<Database & { url?: string }> {
  if (engine === "pglite") return openDatabase({ engine: "pglite" });
  const name = `imprint_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(postgresAdminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ engine: "postgres", url: url.toString(), max: 5 });
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}
