/**
 * Statements that commit together or not at all, sent to the database as one request. A transaction run through
 * drizzle costs a round trip per statement and two for its boundaries, and holds the database across every one of
 * them: PGlite serves nothing else meanwhile (it runs one transaction at a time), however long the event loop takes
 * to send the next statement (README, bench:load). Sent together, the statements run back to back, in the order
 * given, on PGlite's thread or pipelined to PostgreSQL.
 *
 * For writes whose statements do not depend on each other's answers: a failing statement (a unique violation, say)
 * rolls all of them back and rejects with the database's error.
 */
import type { Db } from "./client";

/** A statement as the driver receives it. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** A drizzle statement built and not run: a builder such as `db.insert(table).values(row)` before it is awaited. */
export interface BuiltStatement {
  toSQL(): Statement;
}

/** Runs statements in one transaction, in order, as one request to the engine. */
export type SendTogether = (statements: Statement[]) => Promise<void>;

const senders = new WeakMap<Db, SendTogether>();

/** Called by openDatabase: how this database's engine runs statements together. */
export function sendTogetherBy(db: Db, send: SendTogether): void {
  senders.set(db, send);
}

export async function writeTogether(db: Db, statements: BuiltStatement[]): Promise<void> {
  const send = senders.get(db);
  if (!send) throw new Error("invariant violated: writeTogether on a database that openDatabase did not open");
  await send(statements.map((statement) => statement.toSQL()));
}
