/**
 * A fixed set of worker threads with a bounded queue. CPU-heavy work runs here so that one expensive image
 * never stalls the event loop that serves every other request, and so that overload is refused early (503
 * `overloaded` with a Retry-After) instead of queuing until every client times out.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import { ImprintError } from "../core/errors";
import type { Logger } from "../observability/logger";
import { fromWireError, type TaskReply, type TaskRequest } from "./protocol";

export interface WorkerPoolOptions {
  /** Absolute path of the TypeScript module the workers run (it calls `serveTasks`). */
  module: string;
  /** Handed to every worker as `workerData.data` (structured-cloned). */
  data?: unknown;
  size: number;
  /** Tasks allowed to wait for a free worker; one more is refused with `overloaded`. */
  maxQueue: number;
  /**
   * A task is also refused when the queue ahead of it would take longer than this to drain (at the recent
   * task duration): on a slow or shared machine the count alone would let waits grow past any client's patience.
   */
  maxWaitMs: number;
  log: Logger;
  /** Told how long each finished task waited for a worker and ran on it (the metrics' histograms). */
  onTask?(kind: string, waitedMs: number, ranMs: number): void;
}

export interface PoolStatus {
  workers: number;
  busy: number;
  queued: number;
  rejected: number;
  restarts: number;
}

interface Job {
  request: TaskRequest;
  followUp: boolean;
  queuedAt: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  startedAt: number;
}

/** Workers start as plain Node: the bootstrap registers tsx, then loads the TypeScript module. */
const BOOTSTRAP = path.join(__dirname, "worker-bootstrap.cjs");
/** Initial guess of a task's duration, for Retry-After before any task has finished. */
const INITIAL_TASK_MS = 150;

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Moving average of task durations: Retry-After is the time the queue needs to drain. */
  private averageTaskMs = INITIAL_TASK_MS;
  private rejected = 0;
  private restarts = 0;

  constructor(private readonly options: WorkerPoolOptions) {
    if (options.size < 1) throw new Error("invariant violated: a worker pool needs at least one worker");
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn());
  }

  get status(): PoolStatus {
    return {
      workers: this.slots.length,
      busy: this.slots.filter((s) => s.job).length,
      queued: this.queue.length,
      rejected: this.rejected,
      restarts: this.restarts,
    };
  }

  /**
   * Runs `kind` with `input` on a free worker; refuses at once when the queue is full. A `background` task is
   * accepted only by a free worker with nobody waiting, so that it never delays a client's request. A `followUp`
   * task continues work already accepted (a search's further views): it is never refused and waits ahead of new
   * work, so that a request admitted is finished before more are started.
   */
  run<T>(kind: string, input: unknown, { background = false, followUp = false }: { background?: boolean; followUp?: boolean } = {}): Promise<T> {
    if (this.closed) return Promise.reject(shuttingDown());
    const idle = this.slots.find((s) => !s.job);
    const waitMs = ((this.queue.length + 1) * this.averageTaskMs) / this.slots.length;
    const busyForBackground = background && (!idle || this.queue.length > 0);
    const full = !idle && (this.queue.length >= this.options.maxQueue || waitMs > this.options.maxWaitMs);
    if (!followUp && (busyForBackground || full)) {
      this.rejected += 1;
      return Promise.reject(
        new ImprintError("overloaded", "the service is busy analysing other images; retry shortly", { retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)) }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const job: Job = { request: { id: this.nextId++, kind, input }, followUp, queuedAt: performance.now(), resolve: resolve as (v: unknown) => void, reject };
      if (idle) this.dispatch(idle, job);
      else if (followUp) {
        // Behind the other follow-ups, ahead of new work.
        const firstNew = this.queue.findIndex((waiting) => !waiting.followUp);
        this.queue.splice(firstNew < 0 ? this.queue.length : firstNew, 0, job);
      } else this.queue.push(job);
    });
  }

  /** Finishes the tasks already accepted, then stops every worker. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.queue.length || this.slots.some((s) => s.job)) await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(BOOTSTRAP, { workerData: { module: this.options.module, data: this.options.data } });
    const slot: Slot = { worker, startedAt: 0 };
    worker.on("message", (reply: TaskReply) => this.settle(slot, reply));
    worker.on("error", (error) => this.options.log.error({ err: error }, "analysis worker failed"));
    worker.on("exit", (code) => this.replace(slot, code));
    // An idle pool must not keep a finished process alive; a worker with a task does (see dispatch).
    worker.unref();
    return slot;
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.job = job;
    slot.startedAt = performance.now();
    slot.worker.ref();
    slot.worker.postMessage(job.request);
  }

  private settle(slot: Slot, reply: TaskReply): void {
    const job = slot.job;
    if (!job || job.request.id !== reply.id) return;
    slot.job = undefined;
    const ranMs = performance.now() - slot.startedAt;
    this.averageTaskMs = 0.9 * this.averageTaskMs + 0.1 * ranMs;
    this.options.onTask?.(job.request.kind, slot.startedAt - job.queuedAt, ranMs);
    if (reply.ok) job.resolve(reply.value);
    else job.reject(fromWireError(reply.error));
    this.next(slot);
  }

  private next(slot: Slot): void {
    const job = this.queue.shift();
    if (job) this.dispatch(slot, job);
    else slot.worker.unref();
  }

  /** A worker that exited (a crash, or an out-of-memory abort) fails its task and is replaced by a fresh one. */
  private replace(slot: Slot, code: number): void {
    const job = slot.job;
    slot.job = undefined;
    job?.reject(new Error(`analysis worker exited with code ${code} during a ${job.request.kind} task`));
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    if (this.closed) {
      // No worker is started while closing: what waits for one is refused, so that close() can finish.
      for (const waiting of this.queue.splice(0)) waiting.reject(shuttingDown());
      return;
    }
    this.restarts += 1;
    this.options.log.error({ exitCode: code, task: job?.request.kind }, "analysis worker exited; starting a new one");
    const fresh = this.spawn();
    this.slots[i] = fresh;
    this.next(fresh);
  }
}

function shuttingDown(): ImprintError {
  return new ImprintError("overloaded", "the service is shutting down", { retryAfterS: 5 });
}
