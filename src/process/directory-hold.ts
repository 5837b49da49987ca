/**
 * A directory that one process at a time may use. PGlite and anvil keep their state in directories of DATA_DIR and
 * assume that they alone write there: a second service started on the same DATA_DIR (`npm start` run twice, a
 * supervisor starting a new process while the old one still stops) opened the same PGlite files beside the first,
 * two PostgreSQL instances writing one data directory, and both anvils saved their state to one file.
 *
 * On Linux the hold is a Unix socket listening in the abstract namespace under a name derived from the directory's
 * real path: the kernel frees it when the process ends, however it ends, so a crash leaves nothing stale and a
 * restart holds the directory at once. Elsewhere it is a file beside the directory naming the holder's pid, as
 * PostgreSQL's postmaster.pid does; a file whose process has ended is stale and taken over. Neither sees a process
 * on another machine sharing the directory over a network file system.
 */
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, writeSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { ImprintError } from "../core/errors";

export interface DirectoryHold {
  /** Lets another process use the directory: call it once what used the directory has closed. */
  release(): Promise<void>;
}

/** How the hold is kept: a socket in Linux's abstract namespace, or a pid file (every other platform). */
export type HoldKind = "abstract-socket" | "pid-file";

/**
 * The pid file of a held directory: beside it, not in it, so that what owns the directory (PostgreSQL's data
 * directory) finds only its own files there.
 */
export function pidFileOf(dir: string): string {
  return `${realpathSync(dir)}.imprint.pid`;
}

/**
 * Holds `dir` (created if missing) for this process, or rejects with `data_dir_in_use` when another process, or
 * another part of this one, holds it. `what` names what the directory keeps, for the error.
 */
export async function holdDirectory(dir: string, what: string, kind: HoldKind = process.platform === "linux" ? "abstract-socket" : "pid-file"): Promise<DirectoryHold> {
  mkdirSync(dir, { recursive: true });
  const real = realpathSync(dir);
  const inUse = (holder: string) =>
    new ImprintError(
      "data_dir_in_use",
      `${what} in ${real} is in use by ${holder} (a second service on the same DATA_DIR?): stop it first, or give this service a DATA_DIR of its own.`,
    );
  return kind === "abstract-socket" ? holdBySocket(real, inUse) : holdByPidFile(pidFileOf(real), inUse);
}

async function holdBySocket(real: string, inUse: (holder: string) => ImprintError): Promise<DirectoryHold> {
  const name = `\0imprint-directory:${createHash("sha256").update(real).digest("hex")}`;
  const server = createServer((socket) => socket.destroy());
  const listening = await new Promise<boolean>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => (error.code === "EADDRINUSE" ? resolve(false) : reject(error)));
    server.listen(name, () => resolve(true));
  });
  if (!listening) throw inUse("another process");
  // The hold must not keep a process alive that has nothing else left to do.
  server.unref();
  return { release: () => close(server) };
}

/** The pid files this process holds: a file with this process's pid that is not among them is stale. */
const pidFilesHeld = new Set<string>();

async function holdByPidFile(file: string, inUse: (holder: string) => ImprintError): Promise<DirectoryHold> {
  // Twice at most: once more after removing a stale file.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      pidFilesHeld.add(file);
      return {
        release: async () => {
          pidFilesHeld.delete(file);
          rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (pidFilesHeld.has(file)) throw inUse("this process");
    // This process's own pid in a file it does not hold was written by an earlier process that had the same pid
    // (a container restarted after a crash starts again as pid 1).
    const holder = Number.parseInt(readFileSync(file, "utf8"), 10);
    if (holder !== process.pid && isRunning(holder)) throw inUse(`process ${holder}`);
    rmSync(file, { force: true });
  }
  throw inUse("another process");
}

/** Whether a process with this pid runs (signal 0 checks without sending anything). */
function isRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
