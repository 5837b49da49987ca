import { customType } from "drizzle-orm/pg-core";

/** bytea as a Node Buffer on both engines (PGlite hands back Uint8Array, postgres.js Buffer). */
export const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => Buffer.from(value),
  toDriver: (value) => value,
});
