import { types, type PGlite, type QueryOptions } from "@electric-sql/pglite";

/**
 * The types drizzle reads as text on PGlite (drizzle-orm/pglite/session: timestamps, intervals, dates, numeric[] and
 * the arrays of the first four), passing PGlite these parsers with every query. Parsers are functions, which cannot
 * cross to the database's thread (pglite-thread.ts); and PGlite copied its whole map of parsers (one per type) to
 * apply a query's own, which cost more CPU and garbage than a small query itself (README, bench:query). So the
 * database's thread parses these types as text for every query, and a query may bring exactly drizzle's set or none.
 */
const TEXT_TYPES: readonly number[] = [types.TIMESTAMP, types.TIMESTAMPTZ, types.INTERVAL, types.DATE, 1231, 1115, 1185, 1187, 1182];
const asText = (text: string) => text;

/** After PGlite's start, which made every array type's parser from its element's: drizzle keeps these as text too. */
export function parseDrizzleTextTypes(client: PGlite): void {
  for (const type of TEXT_TYPES) client.parsers[type] = asText;
}

/** Query options already checked (drizzle reuses one object per query). */
const checked = new WeakSet<QueryOptions>();

/** The row mode of a query's options, after checking that any parsers it brings are drizzle's, applied already. */
export function rowModeOf(options: QueryOptions | undefined): QueryOptions["rowMode"] {
  if (!options) return undefined;
  if (!checked.has(options)) {
    const keys = Object.keys(options.parsers ?? {}).map(Number);
    const drizzles = keys.length === 0 || (keys.length === TEXT_TYPES.length && keys.every((k) => TEXT_TYPES.includes(k)));
    if (!drizzles || options.serializers) throw new Error("invariant violated: a query's own parsers or serializers cannot reach the database's thread");
    checked.add(options);
  }
  return options.rowMode;
}
