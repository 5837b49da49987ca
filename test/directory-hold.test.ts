/**
 * A directory that one process at a time may use (src/process/directory-hold.ts): PGlite's files and the embedded
 * chain's state. Both ways of holding one are tested here, on this platform: the abstract socket that Linux uses
 * and the pid file of every other platform.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { holdDirectory, pidFileOf, type HoldKind } from "../src/process/directory-hold";

const repoRoot = path.resolve(__dirname, "..");
const root = mkdtempSync(path.join(tmpdir(), "imprint-hold-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
const freshDir = () => path.join(root, `dir-${++dirs}`);

/** Another process that holds `dir` until it is killed; resolves once it says it holds it. */
async function holderProcess(dir: string, kind: HoldKind): Promise<ChildProcess> {
  const script = `require("./src/process/directory-hold").holdDirectory(${JSON.stringify(dir)}, "test", ${JSON.stringify(kind)}).then(() => { console.log("held"); setInterval(() => {}, 1000); })`;
  const child = spawn(process.execPath, ["--import", "tsx", "-e", script], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("held") && resolve());
    child.once("exit", (code) => reject(new Error(`the holder exited with ${code}`)));
  });
  return child;
}

const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });

describe.each(["abstract-socket", "pid-file"] as const)("a directory held by %s", (kind) => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
  });

  it("is refused to a second holder in this process until released", async () => {
    const dir = freshDir();
    const hold = await holdDirectory(dir, "The test's state", kind);
    await expect(holdDirectory(dir, "The test's state", kind)).rejects.toMatchObject({ code: "data_dir_in_use", message: expect.stringContaining("The test's state in") });
    await hold.release();
    await (await holdDirectory(dir, "The test's state", kind)).release();
  });

  it("is refused while another process holds it, and free at once when that process is killed", async () => {
    const dir = freshDir();
    const child = await holderProcess(dir, kind);
    children.push(child);
    await expect(holdDirectory(dir, "The test's state", kind)).rejects.toMatchObject({ code: "data_dir_in_use" });
    await killed(child);
    await (await holdDirectory(dir, "The test's state", kind)).release();
  }, 30_000);

  it("holds different directories independently", async () => {
    const [a, b] = await Promise.all([holdDirectory(freshDir(), "A", kind), holdDirectory(freshDir(), "B", kind)]);
    await Promise.all([a.release(), b.release()]);
  });
});

describe("a pid file", () => {
  it("naming a process that runs holds the directory, naming it in the error", async () => {
    const dir = freshDir();
    await holdDirectory(dir, "x", "pid-file").then((hold) => hold.release());
    writeFileSync(pidFileOf(dir), `${process.ppid}\n`);
    await expect(holdDirectory(dir, "x", "pid-file")).rejects.toThrow(`in use by process ${process.ppid}`);
  });

  it("naming this process's own pid, which it does not hold, is stale (a container restarted as the same pid)", async () => {
    const dir = freshDir();
    await holdDirectory(dir, "x", "pid-file").then((hold) => hold.release());
    writeFileSync(pidFileOf(dir), `${process.pid}\n`);
    await (await holdDirectory(dir, "x", "pid-file")).release();
  });

  it("that is unreadable as a pid is stale", async () => {
    const dir = freshDir();
    await holdDirectory(dir, "x", "pid-file").then((hold) => hold.release());
    writeFileSync(pidFileOf(dir), "");
    await (await holdDirectory(dir, "x", "pid-file")).release();
  });
});
