import { randomBytes } from "node:crypto";
import postgres from "postgres";

/**
 * A new, empty database on the PostgreSQL server `adminUrl` points at, for one benchmark run: its URL, and `drop`
 * to remove it (with any connection still open to it) at the end.
 */
export async function throwAwayDatabase(adminUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}
