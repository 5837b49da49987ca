import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ApiError, apiClient, imageForm, type ServerOptions } from "./api-client";
import { EXIT, exitForRefusal } from "./exit-codes";
import { collectImageFiles } from "./files";
import { progressReporter } from "./progress";
import { RegisterJournal } from "./register-journal";

export interface RegisterCommandOptions extends ServerOptions {
  paths: string[];
  category: string;
  country: string;
  productId?: string;
  productIdFromFilename: boolean;
  title?: string;
  concurrency: number;
  journal: string;
  json: boolean;
}

type Outcome =
  | { file: string; outcome: "registered" | "already-registered"; id: string }
  | { file: string; outcome: "refused"; code: string; message: string };

/** At most this many waits on 429/503 per file before it counts as refused. */
const MAX_RETRIES = 5;

/**
 * `imprint register`: uploads images concurrently, skipping bytes an earlier run registered (the journal), and
 * ends with a summary. An unreachable server or a refused key stops the run: resuming it is the remedy.
 */
export async function registerCommand(options: RegisterCommandOptions, out: (line: string) => void): Promise<number> {
  const files = collectImageFiles(options.paths);
  const client = apiClient(options);
  const journal = new RegisterJournal(options.journal, options.server, options.key);
  const progress = progressReporter(files.length);
  const outcomes: Outcome[] = [];
  let fatal: ApiError | undefined;

  const registerOne = async (file: string): Promise<Outcome> => {
    const sha256 = "0x" + createHash("sha256").update(readFileSync(file)).digest("hex");
    const known = journal.registered(sha256);
    if (known) return { file, outcome: "already-registered", id: known };
    const productId = options.productIdFromFilename ? path.parse(file).name : options.productId!;
    const fields = { productId, category: options.category, storeCountry: options.country, title: options.title };
    for (let attempt = 0; ; attempt++) {
      try {
        const { status, body } = await client.json<{ id: string }>("POST", "/v1/originals", imageForm(file, fields));
        journal.record({ sha256, id: body.id, file });
        return { file, outcome: status === 201 ? "registered" : "already-registered", id: body.id };
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        const busy = error.status === 429 || error.status === 503;
        if (busy && attempt < MAX_RETRIES) {
          await new Promise((resolve) => setTimeout(resolve, (error.retryAfterS ?? 2 ** attempt) * 1000));
          continue;
        }
        if (error.status === 0 || error.status === 401 || error.status === 403) throw error;
        return { file, outcome: "refused", code: error.code, message: error.message };
      }
    }
  };

  let next = 0;
  const worker = async () => {
    while (!fatal && next < files.length) {
      const file = files[next++];
      try {
        const outcome = await registerOne(file);
        outcomes.push(outcome);
        progress.done(file, outcome.outcome);
      } catch (error) {
        if (error instanceof ApiError) fatal = error;
        else throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));

  const count = (o: Outcome["outcome"]) => outcomes.filter((x) => x.outcome === o).length;
  const refused = outcomes.filter((o): o is Extract<Outcome, { outcome: "refused" }> => o.outcome === "refused");
  const summary = {
    files: files.length,
    registered: count("registered"),
    alreadyRegistered: count("already-registered"),
    refused: refused.map(({ file, code, message }) => ({ file, code, message })),
    notAttempted: files.length - outcomes.length,
    ...(fatal ? { stoppedBy: { code: fatal.code, message: fatal.message } } : {}),
  };
  if (options.json) out(JSON.stringify(summary, null, 2));
  else {
    out(`${summary.files} files: ${summary.registered} registered, ${summary.alreadyRegistered} already registered, ${refused.length} refused.`);
    for (const r of refused) out(`  refused ${r.file}: ${r.code} — ${r.message}`);
    if (fatal) out(`Stopped after ${outcomes.length} files: ${fatal.message} (${fatal.code}). Run the same command again to resume.`);
  }
  if (fatal) return exitForRefusal(fatal.status);
  return refused.length ? EXIT.notAll : EXIT.ok;
}
