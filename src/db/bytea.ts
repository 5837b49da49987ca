import { sql } from "drizzle-orm";
import { customType, type AnyPgColumn } from "drizzle-orm/pg-core";

/** bytea as a Node Buffer on both engines (PGlite hands back Uint8Array, postgres.js Buffer). */
export const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => Buffer.from(value),
  toDriver: (value) => value,
});

/**
 * A bytea column read as base64 text, for large values read often (feature blobs, index descriptors). PGlite hands
 * results over as text, and hex text is twice the bytes where base64 is a third more: 200 blobs of 19 KB read in
 * about half the time this way, even with the native hex codec of src/db/client.ts. PostgreSQL's base64 has a
 * newline every 76 characters, which Buffer.from skips.
 */
export const base64Of = (column: AnyPgColumn) => sql<string | null>`encode(${column}, 'base64')`;

export const fromBase64 = (text: string): Buffer => Buffer.from(text, "base64");
