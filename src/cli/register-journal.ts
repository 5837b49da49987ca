import { createHash } from "node:crypto";
import { appendFileSync, closeSync, openSync, readFileSync } from "node:fs";

export interface JournalEntry {
  sha256: string;
  id: string;
  file: string;
}

/**
 * What a bulk registration has already done, one JSON line per registered file, appended as each finishes, so
 * an interrupted run resumes where it stopped: bytes already registered (by SHA-256) are not uploaded again.
 * Entries belong to one server and one key: another key is another organisation, whose registrations differ.
 */
export class RegisterJournal {
  private readonly done = new Map<string, string>();
  private readonly scope: string;

  constructor(
    private readonly file: string,
    server: string,
    key: string | undefined,
  ) {
    this.scope = createHash("sha256").update(`${server.replace(/\/+$/, "")}\n${key ?? ""}`).digest("hex").slice(0, 16);
    // Fail before the first upload, not after it: a registration the journal cannot record is one a resumed run
    // uploads again. Opening for append creates the file and leaves an existing one as it is.
    closeSync(openSync(file, "a"));
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as JournalEntry & { scope?: string };
        if (entry.scope === this.scope) this.done.set(entry.sha256, entry.id);
      } catch {
        // A line cut by a kill mid-write: that file is simply registered again (the server answers it idempotently).
      }
    }
  }

  /** The registration id of these bytes, if an earlier run registered them. */
  registered(sha256: string): string | undefined {
    return this.done.get(sha256);
  }

  record(entry: JournalEntry): void {
    this.done.set(entry.sha256, entry.id);
    appendFileSync(this.file, JSON.stringify({ ...entry, scope: this.scope }) + "\n");
  }
}
