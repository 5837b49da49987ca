/**
 * Runs a local anvil node (the embedded chain) from the npm package's binary. npm does not run the
 * @foundry-rs/anvil postinstall, so the platform package's binary is spawned directly.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

/** anvil's first default dev account (mnemonic "test test ... junk"): the embedded anchorer. Public: never use it on a real chain. */
export const EMBEDDED_ANCHORER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
export const EMBEDDED_ANCHORER_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
export const EMBEDDED_CHAIN_ID = 31337;

export interface StartAnvilOptions {
  /** Load the chain from and dump it to this file (on SIGTERM/SIGINT, and every stateIntervalSec). */
  stateFile?: string;
  stateIntervalSec?: number;
  /** 0 = any free port. */
  port?: number;
  host?: string;
  startTimeoutMs?: number;
  /** Seconds between blocks; default: a block per transaction. */
  blockTimeSec?: number;
  binaryPath?: string;
  /** Default EMBEDDED_CHAIN_ID; tests running two chains side by side give the second another id. */
  chainId?: number;
}

export interface AnvilInstance {
  rpcUrl: string;
  port: number;
  process: ChildProcess;
  stop(timeoutMs?: number): Promise<void>;
}

export function anvilBinaryPath(): string {
  if (process.env.ANVIL_PATH) return process.env.ANVIL_PATH;
  const pkg = `@foundry-rs/anvil-${process.platform === "win32" ? "win32" : process.platform}-${process.arch === "x64" ? "amd64" : process.arch}`;
  let dir: string;
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`anvil is not installed for this platform (${pkg}): install it or set ANVIL_PATH.`);
  }
  const bin = path.join(dir, "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
  if (!existsSync(bin)) throw new Error(`anvil binary missing at ${bin}: reinstall ${pkg} or set ANVIL_PATH.`);
  return bin;
}

export async function startAnvil({
  stateFile,
  stateIntervalSec,
  port = 0,
  host = "127.0.0.1",
  startTimeoutMs = 15_000,
  blockTimeSec,
  binaryPath = anvilBinaryPath(),
  chainId = EMBEDDED_CHAIN_ID,
}: StartAnvilOptions = {}): Promise<AnvilInstance> {
  const args = ["--host", host, "--port", String(port), "--chain-id", String(chainId)];
  if (stateFile) args.push("--state", stateFile);
  if (stateFile && stateIntervalSec) args.push("--state-interval", String(stateIntervalSec));
  if (blockTimeSec) args.push("--block-time", String(blockTimeSec));
  // Not --quiet: it also hides the "Listening on" line we need for --port 0. Output is drained, never printed.
  const child = spawn(binaryPath, args, { stdio: ["ignore", "pipe", "pipe"] });

  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-8_000);
  };
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const stop = async (timeoutMs = 10_000) => {
    process.off("exit", killOnExit);
    if (hasExited) return;
    child.kill("SIGTERM"); // anvil dumps --state on SIGTERM
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    await exited;
    clearTimeout(timer);
  };

  try {
    const listening = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`anvil did not start within ${startTimeoutMs} ms`)), startTimeoutMs);
      child.stdout!.on("data", (chunk: Buffer) => {
        keep(chunk);
        const match = /Listening on [^\s:]+:(\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`anvil exited with code ${code} before listening`));
      });
    });
    const rpcUrl = `http://${host}:${listening}`;
    await waitForRpc(rpcUrl, Date.now() + startTimeoutMs, () => hasExited);
    return { rpcUrl, port: listening, process: child, stop };
  } catch (err) {
    await stop(2_000);
    throw new Error(`${(err as Error).message}; anvil ${args.join(" ")} said:\n${output.trim()}`);
  }
}

async function waitForRpc(rpcUrl: string, deadline: number, exited: () => boolean): Promise<void> {
  for (;;) {
    try {
      const res = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok && ((await res.json()) as { result?: string }).result) return;
    } catch {
      // not accepting connections yet
    }
    if (exited()) throw new Error("anvil exited before answering eth_chainId");
    if (Date.now() > deadline) throw new Error(`anvil did not answer eth_chainId at ${rpcUrl}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
