/**
 * Runs a local anvil node (the embedded chain) from the npm package's binary. npm does not run the
 * @foundry-rs/anvil postinstall, so the platform package's binary is spawned directly. Its state is saved only
 * when asked (saveState), so a caller knows exactly which transactions are durable.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { ImprintError } from "../core/errors";

/** anvil's first default dev account (mnemonic "test test ... junk"): the embedded anchorer. Public: never use it on a real chain. */
export const EMBEDDED_ANCHORER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
export const EMBEDDED_ANCHORER_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
export const EMBEDDED_CHAIN_ID = 31337;

export interface StartAnvilOptions {
  /** Load the chain from this file at start; saveState() and stop() write it. */
  stateFile?: string;
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
  /** Resolves with the exit code when the process ends, for whatever reason. */
  exited: Promise<number | null>;
  /** Persists the chain as it is now to `stateFile` (a no-op without one); resolves once it is on disk. */
  saveState(): Promise<void>;
  /** Saves the state, then stops anvil. */
  stop(timeoutMs?: number): Promise<void>;
}

/** npm package of the anvil binary per platform and CPU, as @foundry-rs/anvil's optionalDependencies name them. */
const PLATFORM_PACKAGES: Record<string, Record<string, string>> = {
  darwin: { x64: "@foundry-rs/anvil-darwin-amd64", arm64: "@foundry-rs/anvil-darwin-arm64" },
  linux: { x64: "@foundry-rs/anvil-linux-amd64", arm64: "@foundry-rs/anvil-linux-arm64" },
  win32: { x64: "@foundry-rs/anvil-win32-amd64" },
};

/**
 * The anvil binary that npm installed with @foundry-rs/anvil for this platform (only the matching optional
 * package is installed), or `override` (ANVIL_PATH). Failing here is the embedded chain's problem only: a
 * service with CHAIN_RPC_URL never asks.
 */
export function anvilBinaryPath(override?: string): string {
  if (override) return override;
  const pkg = PLATFORM_PACKAGES[process.platform]?.[process.arch];
  const remedy = "set ANVIL_PATH to an anvil binary (https://getfoundry.sh), or CHAIN_RPC_URL to use another chain";
  if (!pkg) {
    throw new ImprintError("embedded_chain_unsupported", `the embedded chain has no anvil build for ${process.platform}/${process.arch}: ${remedy}.`);
  }
  let dir: string;
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`));
  } catch (error) {
    throw new ImprintError("embedded_chain_unsupported", `${pkg} is not installed (npm skipped the optional package?): reinstall, or ${remedy}.`, { cause: error });
  }
  const bin = path.join(dir, "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
  if (!existsSync(bin)) throw new ImprintError("embedded_chain_unsupported", `anvil binary missing at ${bin}: reinstall ${pkg}, or ${remedy}.`);
  return bin;
}

export async function startAnvil({
  stateFile,
  port = 0,
  host = "127.0.0.1",
  startTimeoutMs = 15_000,
  blockTimeSec,
  binaryPath = anvilBinaryPath(),
  chainId = EMBEDDED_CHAIN_ID,
}: StartAnvilOptions = {}): Promise<AnvilInstance> {
  const args = ["--host", host, "--port", String(port), "--chain-id", String(chainId)];
  // Only load: the file is written by saveState(), atomically. anvil's own --state dump (on exit and every
  // --state-interval) rewrites it in place, so a kill during that write could leave nothing to load.
  if (stateFile && existsSync(stateFile)) args.push("--load-state", stateFile);
  if (blockTimeSec) args.push("--block-time", String(blockTimeSec));
  // Not --quiet: it also hides the "Listening on" line we need for --port 0. Output is drained, never printed.
  const child = spawn(binaryPath, args, { stdio: ["ignore", "pipe", "pipe"] });

  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-8_000);
  };
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    // A binary that could not be spawned (not there, not executable) never exits: without this, stopping it waited
    // forever, and `npm start` ended silently with status 0 once nothing else was left to run.
    child.once("error", () => {
      if (child.pid === undefined) resolve(null);
    });
  });
  let hasExited = false;
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  void exited.then(() => {
    hasExited = true;
    process.off("exit", killOnExit);
  });

  let rpcUrl = "";
  let saving: Promise<void> = Promise.resolve();
  const saveState = () => {
    if (!stateFile) return Promise.resolve();
    // One dump at a time and in call order, so the file never goes back to an older state.
    const run = saving.catch(() => undefined).then(() => dumpStateTo(rpcUrl, stateFile));
    saving = run;
    return run;
  };

  const stop = async (timeoutMs = 10_000) => {
    process.off("exit", killOnExit);
    if (hasExited) return;
    await saveState().catch(() => undefined); // what a dump could not save was never reported durable
    child.kill("SIGTERM");
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
    rpcUrl = `http://${host}:${listening}`;
    await waitForRpc(rpcUrl, Date.now() + startTimeoutMs, () => hasExited);
    return { rpcUrl, port: listening, process: child, exited, saveState, stop };
  } catch (err) {
    await stop(2_000);
    throw new Error(`${(err as Error).message}; anvil ${args.join(" ")} said:\n${output.trim()}`);
  }
}

/**
 * Writes the node's whole state (anvil_dumpState: gzipped JSON, the format --load-state reads) to `file`:
 * a temporary file, fsync, rename, fsync of the directory. Once this resolves, a kill of anvil, of us or of the
 * machine cannot lose what the chain held when the dump was taken.
 */
async function dumpStateTo(rpcUrl: string, file: string): Promise<void> {
  const res = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "anvil_dumpState", params: [] }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { result?: string; error?: { message?: string } };
  if (typeof body.result !== "string" || !body.result.startsWith("0x")) {
    throw new Error(`anvil_dumpState failed: ${body.error?.message ?? `HTTP ${res.status}`}`);
  }
  const json = gunzipSync(Buffer.from(body.result.slice(2), "hex"));
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(json);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  const dir = await open(path.dirname(file), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
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
