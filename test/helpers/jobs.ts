import { and, count, eq } from "drizzle-orm";
import type { Db } from "../../src/db/client";
import { jobs } from "../../src/db/schema";

/** Waits until no job of `kind` is queued (the service's runners work in the background). */
export async function jobsDrained(db: Db, kind: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ n }] = await db.select({ n: count() }).from(jobs).where(and(eq(jobs.kind, kind), eq(jobs.status, "queued")));
    if (n === 0) return;
    if (Date.now() > deadline) throw new Error(`${n} ${kind} jobs still queued after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
