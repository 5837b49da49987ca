/**
 * Test helper: the real service as `npm start` runs it (src/service-command.ts), in a process group of its
 * own so that a test can SIGKILL all of it (node and its anvil) at once, as a crash or an OOM kill would.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { SERVICE_NODE_ARGS } from "../../src/service-command";

const repoRoot = path.resolve(__dirname, "../..");

export class ServiceProcess {
  /** The API's base URL, once the service said it listens. */
  url = "";
  readonly lines: string[] = [];
  readonly exited: Promise<void>;
  readonly ready: Promise<string>;
  private alive = true;

  private constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    void this.exited.then(() => (this.alive = false));
    this.ready = new Promise((resolve, reject) => {
      let pending = "";
      const onData = (chunk: Buffer) => {
        pending += chunk.toString("utf8");
        const parts = pending.split("\n");
        pending = parts.pop()!;
        for (const line of parts) {
          this.lines.push(line);
          if (this.lines.length > 400) this.lines.shift();
          const m = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"imprint listening"/.exec(line);
          if (m) {
            this.url = m[1];
            resolve(m[1]);
          }
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      void this.exited.then(() => reject(new Error(`the service exited before listening:\n${this.lines.slice(-30).join("\n")}`)));
    });
    this.ready.catch(() => undefined);
  }

  static spawn(env: Record<string, string>): ServiceProcess {
    const child = spawn(process.execPath, [...SERVICE_NODE_ARGS], {
      cwd: repoRoot,
      env: { ...process.env, LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group: -pid reaches node and anvil
    });
    return new ServiceProcess(child);
  }

  get running(): boolean {
    return this.alive;
  }

  /** SIGKILL to the whole process group; resolves once the service process is gone. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    try {
      process.kill(-this.child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
    await this.exited;
  }

  /**
   * A clean shutdown's signal to the whole process group, node and anvil alike, as a service manager's stop
   * (SIGTERM) or a terminal's Ctrl-C (SIGINT) sends it; SIGKILL after `timeoutMs`.
   */
  async stop(timeoutMs = 20_000, signal: "SIGTERM" | "SIGINT" = "SIGTERM"): Promise<void> {
    if (!this.alive) return;
    process.kill(-this.child.pid!, signal);
    const timer = setTimeout(() => void this.kill(), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** The pid of the embedded anvil in this service's process group, if it runs. */
  anvilPid(): number | null {
    return this.groupMembers().find((p) => p.comm === "anvil")?.pid ?? null;
  }

  /** Whether the service logged the end of a graceful shutdown (src/main.ts: everything stopped in order). */
  get stoppedGracefully(): boolean {
    return this.lines.some((line) => line.includes('"msg":"stopped"'));
  }

  /**
   * Processes of this service's group still alive after it exited (an anvil it started and never stopped), as
   * "pid comm". Waits up to `waitMs` for processes that are already on their way out (a SIGKILL on exit).
   */
  async strays(waitMs = 3_000): Promise<string[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const alive = this.groupMembers().filter((p) => p.stat[0] !== "Z");
      if (alive.length === 0 || Date.now() > deadline) return alive.map((p) => `${p.pid} ${p.comm}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private groupMembers(): { pid: number; comm: string; stat: string }[] {
    const out = execFileSync("ps", ["-eo", "pid=,pgid=,stat=,comm="], { encoding: "utf8" });
    return out
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .filter(([, pgid]) => Number(pgid) === this.child.pid)
      .map(([pid, , stat, comm]) => ({ pid: Number(pid), comm, stat }));
  }

  request(pathname: string, init: RequestInit & { key?: string } = {}): Promise<Response> {
    const { key, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (key) headers.set("authorization", `Bearer ${key}`);
    return fetch(this.url + pathname, { ...rest, headers, signal: rest.signal ?? AbortSignal.timeout(60_000) });
  }
}
