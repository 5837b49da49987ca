import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/client";
import { jobs } from "../src/db/schema";
import { claimJobs, enqueueJob } from "../src/jobs/queue";
import { JobRunner } from "../src/jobs/runner";
import { engines, freshDatabase } from "./helpers/databases";

describe.each(engines)("the job table on %s", (engine) => {
  let database: Database;
  beforeAll(async () => {
    database = await freshDatabase(engine);
  });
  afterAll(() => database?.close());

  const clear = () => database.db.delete(jobs);

  it("leases claimed jobs: a second claimer skips them until the lease ends (a worker that died)", async () => {
    await clear();
    const { db } = database;
    for (const n of [1, 2, 3]) await enqueueJob(db, "t", { n });
    const now = new Date();
    const first = await claimJobs(db, ["t"], 2, now, 60_000);
    expect(first.jobs.map((j) => j.payload.n)).toEqual([1, 2]);
    expect(first.jobs.every((j) => j.attempts === 1)).toBe(true);
    // A third was due: the claimer is told to claim again at once.
    expect(first.more).toBe(true);
    const second = await claimJobs(db, ["t"], 10, now, 60_000);
    expect(second).toMatchObject({ jobs: [{ payload: { n: 3 } }], more: false });
    expect(await claimJobs(db, ["t"], 10, now, 60_000)).toEqual({ jobs: [], more: false });
    // The first worker died holding 1 and 2: they come back once their lease ran out, counted as second attempts.
    const later = await claimJobs(db, ["t"], 10, new Date(now.getTime() + 61_000), 60_000);
    expect(later.jobs.map((j) => [j.payload.n, j.attempts])).toEqual([[1, 2], [2, 2], [3, 2]]);
    expect(await claimJobs(db, ["other"], 10, new Date(now.getTime() + 200_000), 60_000)).toEqual({ jobs: [], more: false });
  });

  it("never hands one job to two concurrent claimers", async () => {
    await clear();
    const { db } = database;
    for (let n = 0; n < 40; n++) await enqueueJob(db, "t", { n });
    const now = new Date();
    const claims = await Promise.all(Array.from({ length: 8 }, () => claimJobs(db, ["t"], 5, now, 60_000)));
    const ids = claims.flatMap((c) => c.jobs).map((j) => j.id);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
  });

  it("runs jobs, retries a failure with back-off, reschedules on request, gives up after maxAttempts (releasing its data once), and resumes after a restart", async () => {
    await clear();
    const { db } = database;
    let clock = 0;
    const seen: string[] = [];
    const released: number[] = [];
    const handlers = {
      ok: { run: async () => void seen.push("ok") },
      flaky: {
        run: async (job: { attempts: number }) => {
          seen.push(`flaky#${job.attempts}`);
          if (job.attempts < 2) throw new Error("not yet");
        },
      },
      later: { run: async (job: { attempts: number }) => (job.attempts === 1 ? { retryAt: new Date(clock + 5_000) } : void seen.push("later")) },
      broken: { run: async () => Promise.reject(new Error("always")), maxAttempts: 2, onGiveUp: async (job: { id: number }) => void released.push(job.id) },
    };
    for (const kind of Object.keys(handlers)) await enqueueJob(db, kind, {});
    clock = Date.now();
    const runner = new JobRunner(db, handlers, { concurrency: 10, now: () => clock });
    expect(await runner.runDue()).toBe(4);
    expect(seen.sort()).toEqual(["flaky#1", "ok"]);
    expect(await runner.runDue()).toBe(0); // flaky waits 1 s, later 5 s, broken 1 s
    clock += 1_500;
    // A new runner (a restarted process) picks up what the first one left.
    const restarted = new JobRunner(db, handlers, { concurrency: 10, now: () => clock });
    expect(await restarted.runDue()).toBe(2);
    clock += 5_000;
    expect(await restarted.runDue()).toBe(1);
    expect(seen).toContain("flaky#2");
    expect(seen).toContain("later");
    const left = await db.select({ kind: jobs.kind, status: jobs.status, lastError: jobs.lastError }).from(jobs);
    expect(left).toEqual([{ kind: "broken", status: "failed", lastError: "always" }]);
    const [broken] = await db.select({ id: jobs.id }).from(jobs).where(eq(jobs.kind, "broken"));
    expect(released).toEqual([broken.id]);
    await db.delete(jobs).where(eq(jobs.kind, "broken"));
  });

  it("claims nothing more while a handler holds the runner (a busy pool), instead of cycling through every due job", async () => {
    await clear();
    const { db } = database;
    const claims: number[] = [];
    const handlers = {
      busy: { run: async (job: { id: number }) => (claims.push(job.id), { retryAt: new Date(Date.now() + 400), holdRunner: true }) },
    };
    for (let i = 0; i < 5; i++) await enqueueJob(db, "busy", {});
    const runner = new JobRunner(db, handlers, { pollMs: 60_000 });
    runner.start();
    await new Promise((r) => setTimeout(r, 250));
    // Without the hold, all five would have been claimed (and rescheduled) in turn by now.
    expect(claims).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(claims.length).toBeGreaterThanOrEqual(2);
    expect(claims.length).toBeLessThanOrEqual(3);
    await runner.stop();
    await db.delete(jobs).where(eq(jobs.kind, "busy"));
  });

  it("runs in the background until stopped, and wakes at once when told", async () => {
    await clear();
    const { db } = database;
    const done: number[] = [];
    const runner = new JobRunner(db, { t: { run: async (job) => void done.push(Number(job.payload.n)) } }, { pollMs: 60_000 });
    runner.start();
    await new Promise((r) => setTimeout(r, 100));
    await enqueueJob(db, "t", { n: 7 });
    runner.wake();
    for (let i = 0; i < 100 && done.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await runner.stop();
    expect(done).toEqual([7]);
  });

  // Concurrency 1 is the watch runner's: its one claimed job is all it may run, and the claim still tells it none is left.
  it.each([1, 2])("after a round that left no due job, sleeps until woken rather than claim again at once (concurrency %i)", async (concurrency) => {
    await clear();
    const { db } = database;
    // A claim is one UPDATE with a CTE (jobs that succeed are deleted, not updated).
    let claims = 0;
    const counted = new Proxy(db, { get: (target, key, receiver) => (key === "with" ? (claims++, target.with.bind(target)) : Reflect.get(target, key, receiver)) });
    let ran = 0;
    const runner = new JobRunner(counted, { t: { run: async () => void (ran += 1) } }, { pollMs: 60_000, concurrency });
    runner.start();
    for (let i = 0; i < 100 && claims === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await enqueueJob(db, "t", {});
    runner.wake();
    for (let i = 0; i < 100 && ran === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    await runner.stop();
    expect(ran).toBe(1);
    // The first (empty) claim at start and the one after the wake-up; none after the job ran.
    expect(claims).toBe(2);
  });

  it("claims again at once while jobs are left beyond what it may run", async () => {
    await clear();
    const { db } = database;
    const done: number[] = [];
    for (let n = 0; n < 5; n++) await enqueueJob(db, "t", { n });
    // A poll a minute away: only the claims' own word that more are due keeps it going.
    const runner = new JobRunner(db, { t: { run: async (job) => void done.push(Number(job.payload.n)) } }, { pollMs: 60_000, concurrency: 1 });
    runner.start();
    for (let i = 0; i < 100 && done.length < 5; i++) await new Promise((r) => setTimeout(r, 20));
    await runner.stop();
    expect(done).toEqual([0, 1, 2, 3, 4]);
  });
});
