import type { Logger } from "../observability/logger";

/**
 * Runs jobs one at a time, in call order, and a periodic job `intervalMs` after the previous periodic run
 * ended (never overlapping itself or an on-demand job). `stop()` ends the timer and waits for the job in progress.
 */
export class SerialRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = true;

  constructor(
    private readonly intervalMs: number,
    private readonly log?: Logger,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  start(periodic: () => Promise<unknown>): void {
    this.stopped = false;
    const schedule = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.run(periodic)
          .catch((error: unknown) => this.log?.error({ err: error }, "periodic job failed"))
          .finally(schedule);
      }, this.intervalMs);
      this.timer.unref?.();
    };
    schedule();
  }

  /** Runs `job` after the one in progress. */
  run<T>(job: () => Promise<T>): Promise<T> {
    const run = this.running.catch(() => undefined).then(job);
    this.running = run;
    return run;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running.catch(() => undefined);
  }
}
