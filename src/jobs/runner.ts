import type { Db } from "../db/client";
import { silentLogger, type Logger } from "../observability/logger";
import { claimJobs, completeJob, failJob, retryJob, type Job } from "./queue";

/** A job to run again later: the handler's own schedule, not a failure. */
export interface Reschedule {
  retryAt: Date;
  /**
   * What delays this job delays every job of the runner (a busy analysis pool, an index still loading): the runner
   * claims nothing more until `retryAt` (or a wake-up). Otherwise it would claim every other due job in turn, each
   * rescheduled at once, and spin on the database while the resource it waits for is busy.
   */
  holdRunner?: boolean;
}

/** What a job kind does with one job. */
export interface JobHandler {
  /**
   * Runs one job. Returning a Reschedule runs it again then (a receiver that is down, an index still loading).
   * Throwing is a failure, retried with back-off.
   */
  run(job: Job): Promise<void | Reschedule>;
  /** Attempts before a job that keeps throwing is given up (default 8). */
  maxAttempts?: number;
  /** Releases what the job held for its runs once it is given up (the failed job itself stays, for operators). */
  onGiveUp?(job: Job): Promise<void>;
}

export interface JobRunnerOptions {
  /** How often the table is polled when nothing woke the runner (other processes' jobs, retries). */
  pollMs?: number;
  /** Jobs claimed and run at once. */
  concurrency?: number;
  /** How long a claimed job is this runner's; a job still leased when its worker died waits this long. */
  leaseMs?: number;
  log?: Logger;
  now?: () => number;
}

/** Back-off after a failure: 1 s, 2 s, 4 s, … capped at 5 minutes. */
export function failureBackoffMs(attempts: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * Runs queued jobs of some kinds, off the request path: claims a handful, runs them, records each outcome, and
 * polls again (at once while there is work, every `pollMs` otherwise, or when woken). Several runners, in one
 * process or many, share the table safely (see claimJobs).
 */
export class JobRunner {
  private stopped = true;
  private loop: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  /** A wake-up that came while the runner was busy: the next sleep is skipped. */
  private woken = false;
  /** Until when a handler asked the runner to claim nothing (Reschedule.holdRunner), in this.now() milliseconds. */
  private heldUntil = 0;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    private readonly handlers: Readonly<Record<string, JobHandler>>,
    options: JobRunnerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.concurrency = options.concurrency ?? 1;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Finishes the jobs in hand, then stops; unfinished ones are claimed again after their lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
  }

  /** A job was queued in this process: look now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Claims and runs one round of due jobs; returns how many ran (tests and benchmarks drive it by hand). */
  async runDue(): Promise<number> {
    return (await this.runRound()).ran;
  }

  /** One round: how many jobs ran, and whether more were due when they were claimed. */
  private async runRound(): Promise<{ ran: number; more: boolean }> {
    const claim = await claimJobs(this.db, Object.keys(this.handlers), this.concurrency, new Date(this.now()), this.leaseMs);
    await Promise.all(claim.jobs.map((job) => this.runOne(job)));
    return { ran: claim.jobs.length, more: claim.more };
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let more = false;
      this.woken = false;
      try {
        more = (await this.runRound()).more;
      } catch (error) {
        this.log.warn({ err: error }, "jobs: claiming failed");
      }
      const holdMs = this.heldUntil - this.now();
      this.heldUntil = 0;
      if (holdMs > 0 && !this.stopped) await this.sleep(Math.min(holdMs, this.pollMs));
      // No more were due when these were claimed, so claiming again at once would find nothing (a job queued here
      // since then wakes the runner; one queued by another process waits for the poll).
      else if (!more && !this.stopped && !this.woken) await this.sleep();
    }
  }

  private sleep(ms = this.pollMs): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }

  private async runOne(job: Job): Promise<void> {
    const handler = this.handlers[job.kind];
    try {
      const outcome = await handler.run(job);
      if (outcome) {
        await retryJob(this.db, job.id, outcome.retryAt, null);
        if (outcome.holdRunner) this.heldUntil = Math.max(this.heldUntil, outcome.retryAt.getTime());
      } else await completeJob(this.db, job.id);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (job.attempts >= (handler.maxAttempts ?? 8)) {
        this.log.error({ job: job.id, kind: job.kind, attempts: job.attempts, err: error }, "jobs: giving up");
        await failJob(this.db, job.id, message).catch((e: unknown) => this.log.warn({ err: e, job: job.id }, "jobs: recording a failure failed"));
        await handler.onGiveUp?.(job).catch((e: unknown) => this.log.warn({ err: e, job: job.id }, "jobs: releasing a failed job's data failed"));
        return;
      }
      const retryAt = new Date(this.now() + failureBackoffMs(job.attempts));
      this.log.warn({ job: job.id, kind: job.kind, attempts: job.attempts, retryAt, err: error }, "jobs: failed, will retry");
      await retryJob(this.db, job.id, retryAt, message).catch((e: unknown) => this.log.warn({ err: e, job: job.id }, "jobs: recording a retry failed"));
    }
  }
}
