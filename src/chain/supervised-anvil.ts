/**
 * The embedded chain under supervision: if anvil dies it is started again on the same port from its last saved
 * state, so the RPC URL everyone holds stays valid and every transaction saved before the death is still there.
 */
import { ImprintError } from "../core/errors";
import type { Logger } from "../observability/logger";
import { startAnvil, type AnvilInstance, type StartAnvilOptions } from "./anvil";

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

export interface EmbeddedChainStatus {
  reachable: boolean;
  /** Times anvil was started again after dying. */
  restarts: number;
}

export class SupervisedAnvil {
  private stopping = false;
  private stoodDownAt: number | undefined;
  private restarting: Promise<void> | null = null;
  private readonly listeners: (() => void)[] = [];
  private restarts = 0;

  private constructor(
    private current: AnvilInstance | null,
    readonly rpcUrl: string,
    private readonly options: StartAnvilOptions & { port: number },
    private readonly log: Logger,
  ) {}

  static async start(options: StartAnvilOptions, log: Logger): Promise<SupervisedAnvil> {
    const first = await startAnvil(options);
    const supervised = new SupervisedAnvil(first, first.rpcUrl, { ...options, port: first.port }, log);
    supervised.watch(first);
    return supervised;
  }

  /** The running anvil's process id (none while it restarts). */
  get pid(): number | undefined {
    return this.current?.process.pid;
  }

  get status(): EmbeddedChainStatus {
    return { reachable: this.current !== null, restarts: this.restarts };
  }

  /** Called after each restart (the chain may have lost what was never saved: time to reconcile). */
  onRestart(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Persists the chain now; fails with chain_unavailable while anvil is down (nothing new is durable then). */
  async saveState(): Promise<void> {
    const anvil = this.current;
    if (!anvil) throw new ImprintError("chain_unavailable", "the embedded chain is restarting");
    try {
      await anvil.saveState();
    } catch (error) {
      throw new ImprintError("chain_unavailable", "the embedded chain's state could not be saved", { cause: error });
    }
  }

  /**
   * The service is stopping: from now on anvil's exit is part of the stop, not a crash to restart. A terminal's
   * Ctrl-C (and a service manager's stop) signals the whole process group, so anvil may exit before `stop()`.
   */
  standDown(): void {
    this.stopping = true;
    this.stoodDownAt ??= Date.now();
  }

  /**
   * Once stood down: resolves when anvil has exited, or `graceMs` after the stand-down if it is still running (the
   * signal did not reach it). A signal to the group reaches both at once, but anvil saves its state before it
   * exits: without this wait the last anchoring run could start on a chain that is about to go.
   */
  async settled(graceMs: number): Promise<void> {
    const anvil = this.current;
    if (!anvil || this.stoodDownAt === undefined) return;
    const left = this.stoodDownAt + graceMs - Date.now();
    if (left <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([anvil.exited, new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    this.standDown();
    await this.restarting;
    await this.current?.stop();
    this.current = null;
  }

  private watch(anvil: AnvilInstance): void {
    void anvil.exited.then((code) => {
      if (this.current !== anvil) return;
      this.current = null;
      if (this.stopping) {
        this.log.info({ code, rpcUrl: this.rpcUrl }, "embedded chain stopped");
        return;
      }
      this.log.error({ code, rpcUrl: this.rpcUrl }, "embedded chain exited; restarting it from its saved state");
      this.restarting = this.restart().finally(() => (this.restarting = null));
    });
  }

  private async restart(): Promise<void> {
    for (let delay = FIRST_RETRY_MS; !this.stopping; delay = Math.min(delay * 2, MAX_RETRY_MS)) {
      try {
        const anvil = await startAnvil(this.options);
        if (this.stopping) {
          await anvil.stop();
          return;
        }
        this.current = anvil;
        this.restarts += 1;
        this.watch(anvil);
        this.log.warn({ restarts: this.restarts, rpcUrl: this.rpcUrl, pid: anvil.process.pid }, "embedded chain restarted");
        for (const listener of this.listeners) listener();
        return;
      } catch (error) {
        this.log.error({ err: error, retryInMs: delay }, "embedded chain did not restart");
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
