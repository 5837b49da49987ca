import { types, type PGlite, type QueryOptions } from "@electric-sql/pglite";

/**
 * The types drizzle reads as text on PGlite (drizzle-orm/pglite/session: timestamps, intervals, dates, numeric[] and
 * the arrays of the first four), passing PGlite these parsers with every query. PGlite then copies its whole map of
 * parsers (one per type) to apply them, which cost more CPU and garbage than a small query itself (README,
 * bench:query). The client applies them itself instead, and a query that brings exactly these is passed on without
 * them; any other parsers a query brings are applied as PGlite always does.
 */
const TEXT_TYPES: readonly number[] = [types.TIMESTAMP, types.TIMESTAMPTZ, types.INTERVAL, types.DATE, 1231, 1115, 1185, 1187, 1182];
const asText = (text: string) => text;

/** Query options already looked at, with what is passed on for them (drizzle reuses one object per query). */
const passedOptions = new WeakMap<QueryOptions, QueryOptions>();

/** The options without the parsers the client already applies, or the options themselves. */
function withoutClientParsers(options: QueryOptions): QueryOptions {
  let passed = passedOptions.get(options);
  if (!passed) {
    const keys = Object.keys(options.parsers ?? {}).map(Number);
    const covered = keys.length === TEXT_TYPES.length && keys.every((k) => TEXT_TYPES.includes(k));
    passed = covered ? { ...options, parsers: undefined } : options;
    passedOptions.set(options, passed);
  }
  return passed;
}

/** A PGlite client or one of its transactions (which nest by savepoints, not by transaction()). */
interface PgliteQueries {
  query: PGlite["query"];
  transaction?: PGlite["transaction"];
}

/**
 * The client as drizzle should see it: it applies drizzle's parsers itself, and its queries, and those of its
 * transactions, drop them.
 */
export function parsingForDrizzle(client: PGlite): PGlite {
  // After the start, which made every array type's parser from its element's: drizzle keeps these arrays as text too.
  for (const type of TEXT_TYPES) client.parsers[type] = asText;
  return withoutDrizzleParsers(client);
}

function withoutDrizzleParsers<T extends PgliteQueries>(client: T): T {
  // Made once per client or transaction, not on each access: drizzle reads `query` for every statement.
  const query = (sql: string, params?: unknown[], options?: QueryOptions) => client.query(sql, params, options && withoutClientParsers(options));
  const begin = client.transaction?.bind(client);
  const transaction = begin && ((callback: (tx: never) => Promise<unknown>) => begin((tx) => callback(withoutDrizzleParsers(tx) as never)));
  return new Proxy(client, {
    get(target, key) {
      if (key === "query") return query;
      if (key === "transaction" && transaction) return transaction;
      // Bound to the client itself: PGlite keeps its state in private fields, which a proxy cannot reach.
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
