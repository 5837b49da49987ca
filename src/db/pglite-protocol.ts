/**
 * What crosses between the event loop and PGlite's thread (pglite-thread.ts, pglite-host.ts): statements and
 * transaction boundaries one way, rows or an error back under the id of the request (BEGIN is not answered).
 */
import type { Results } from "@electric-sql/pglite";
import type { Statement } from "./write-together";

export type DatabaseRequest =
  | ({ id: number } & (
      | { kind: "query"; sql: string; params?: unknown[]; rowMode?: "array" | "object"; transaction?: number }
      /** Statements run in one transaction of their own, in order (write-together.ts); answered with null. */
      | { kind: "batch"; statements: Statement[] }
      /** Commits or rolls back a transaction; answered once that is done. */
      | { kind: "end"; transaction: number; commit: boolean }
      | { kind: "close" }
    ))
  /**
   * Opens transaction `transaction` (numbered by the event loop). Not answered: it travels ahead of the
   * transaction's first statement, which waits for it on the thread, and a BEGIN that fails fails its statements.
   */
  | { kind: "begin"; transaction: number };

export type DatabaseReply = { id: number; ok: true; value: Results<unknown> | null } | { id: number; ok: false; error: DatabaseWireError };

/**
 * A PostgreSQL error's fields (code, constraint, detail, …) as they cross: callers read them (23505 is a unique
 * violation). A plain Error's clone would keep the message alone.
 */
export type DatabaseWireError = { message: string } & Partial<Record<(typeof ERROR_FIELDS)[number], string>>;

const ERROR_FIELDS = ["name", "severity", "code", "detail", "hint", "position", "schema", "table", "column", "dataType", "constraint", "routine"] as const;

export function toDatabaseWireError(error: unknown): DatabaseWireError {
  const wire: DatabaseWireError = { message: error instanceof Error ? error.message : String(error) };
  for (const field of ERROR_FIELDS) {
    const value = (error as Record<string, unknown> | null)?.[field];
    if (typeof value === "string") wire[field] = value;
  }
  return wire;
}

export function fromDatabaseWireError(wire: DatabaseWireError): Error {
  return Object.assign(new Error(wire.message), wire);
}
