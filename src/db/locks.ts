import postgres from "postgres";

/** Work that at most one process of a deployment may do at a time. */
export type LockName = "migrations" | "anchoring";

/** PostgreSQL advisory lock keys: arbitrary, fixed, distinct from anything else on a shared server. */
const KEYS: Record<LockName, number> = { migrations: 0x1397_0001, anchoring: 0x1397_0002 };

export interface DatabaseLock {
  /** Runs `fn` holding the lock if it is free now; null, without running it, if another process holds it. */
  tryRun<T>(fn: () => Promise<T>): Promise<{ value: T } | null>;
  /** Waits for the lock, then runs `fn` holding it. */
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * Cross-process locks. On PostgreSQL they are session advisory locks on one connection of their own (outside
 * the pool, so a long hold never starves queries), released by PostgreSQL when the process dies. PGlite
 * belongs to one process, whose callers already serialise their work, so there is nothing to exclude.
 */
export interface DatabaseLocks {
  lock(name: LockName): DatabaseLock;
  close(): Promise<void>;
}

export const inProcessLocks: DatabaseLocks = {
  lock: () => ({ tryRun: async (fn) => ({ value: await fn() }), run: (fn) => fn() }),
  close: async () => {},
};

export function advisoryLocks(url: string): DatabaseLocks {
  let connection: postgres.Sql | undefined;
  const sql = () => (connection ??= postgres(url, { max: 1, onnotice: () => {} }));
  const release = (key: number) => sql()`select pg_advisory_unlock(${key})`.catch(() => undefined);
  return {
    lock(name) {
      const key = KEYS[name];
      return {
        async tryRun(fn) {
          const [row] = await sql()`select pg_try_advisory_lock(${key}) as ok`;
          if (!row.ok) return null;
          try {
            return { value: await fn() };
          } finally {
            await release(key);
          }
        },
        async run(fn) {
          await sql()`select pg_advisory_lock(${key})`;
          try {
            return await fn();
          } finally {
            await release(key);
          }
        },
      };
    },
    close: async () => {
      await connection?.end({ timeout: 5 });
    },
  };
}
