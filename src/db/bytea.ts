import { sql } from "drizzle-orm";
import { customType, type AnyPgColumn } from "drizzle-orm/pg-core";

/** bytea as a Node Buffer on both engines (PGlite hands back Uint8Array, postgres.js Buffer). */
export const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => Buffer.from(value),
  toDriver: (value) => value,
});

/**
 * A bytea column read as base64 text. PGlite hands bytea results through a JS hex parser that runs at a few MB/s
 * (6 feature blobs of 18 KB took ~11 ms, as base64 ~1.5 ms); large values that are read often go this way.
 * PostgreSQL's base64 has a newline every 76 characters, which Buffer.from skips.
 */
export const base64Of = (column: AnyPgColumn) => sql<string | null>`encode(${column}, 'base64')`;

export const fromBase64 = (text: string): Buffer => Buffer.from(text, "base64");
