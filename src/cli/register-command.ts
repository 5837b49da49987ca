import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ApiError, apiClient, imageForm, type ServerOptions } from "./api-client";
import { EXIT, exitForRefusal } from "./exit-codes";
import { collectImageFiles } from "./files";
import type { Output } from "./output";
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
 * ends with a summary. A refusal of one file is listed and the run goes on; a refusal that every next file would
 * get as well (`refusesEveryFile`) stops it at once, before the whole folder is uploaded for nothing.
 */
export async function registerCommand(options: RegisterCommandOptions, io: Output): Promise<number> {
  const { files, dangling } = collectImageFiles(options.paths);
  for (const link of dangling) io.note(`skipped ${link}: a symbolic link to nothing`);
  const client = apiClient(options);
  let journal: RegisterJournal;
  try {
    journal = new RegisterJournal(options.journal, options.server, options.key);
  } catch (error) {
    io.fail("input", `cannot use the journal ${options.journal}: ${(error as Error).message} (give a writable --journal)`);
    return EXIT.usage;
  }
  const progress = progressReporter(files.length);
  const perFileFields = new Set(["image", "url", ...(options.productIdFromFilename ? ["productId"] : [])]);
  const outcomes: Outcome[] = [];
  let fatal: ApiError | undefined;

  const registerOne = async (file: string): Promise<Outcome> => {
    // Read once: hashed for the journal, then sent (a bulk run reads every file of a catalogue).
    const bytes = readFileSync(file);
    const sha256 = "0x" + createHash("sha256").update(bytes).digest("hex");
    const known = journal.registered(sha256);
    if (known) return { file, outcome: "already-registered", id: known };
    const productId = options.productIdFromFilename ? path.parse(file).name : options.productId!;
    const fields = { productId, category: options.category, storeCountry: options.country, title: options.title };
    for (let attempt = 0; ; attempt++) {
      try {
        const { status, body } = await client.json<{ id: string }>("POST", "/v1/originals", imageForm(file, fields, bytes));
        journal.record({ sha256, id: body.id, file });
        return { file, outcome: status === 201 ? "registered" : "already-registered", id: body.id };
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        const busy = error.status === 429 || error.status === 503;
        if (busy && attempt < MAX_RETRIES) {
          await new Promise((resolve) => setTimeout(resolve, (error.retryAfterS ?? 2 ** attempt) * 1000));
          continue;
        }
        if (refusesEveryFile(error, perFileFields)) throw error;
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
    // Which file became which registration: what a seller's catalogue needs next (evidence, certificates).
    registrations: outcomes.flatMap((o) => (o.outcome === "refused" ? [] : [{ file: o.file, id: o.id, outcome: o.outcome }])),
    refused: refused.map(({ file, code, message }) => ({ file, code, message })),
    notAttempted: files.length - outcomes.length,
    ...(fatal ? { stoppedBy: { code: fatal.code, message: fatal.message } } : {}),
  };
  if (options.json) io.line(JSON.stringify(summary, null, 2));
  else {
    io.line(`${summary.files} files: ${summary.registered} registered, ${summary.alreadyRegistered} already registered, ${refused.length} refused.`);
    for (const r of refused) io.line(`  refused ${r.file}: ${r.code} — ${r.message}`);
  }
  if (fatal) {
    io.note(`Stopped after ${outcomes.length} files: ${stopReason(fatal)}`);
    return exitForRefusal(fatal.status);
  }
  return refused.length ? EXIT.notAll : EXIT.ok;
}

/**
 * Whether the server refused the request rather than this file, so that every next file would be refused alike:
 * no usable answer, a key refused, no such route (a wrong --server path), or invalid fields that all files share
 * (--country, --category, --title, a --product-id given once). A field of the file itself (its image, a product id
 * taken from its name) or any other refusal (too small, not an image) is the file's own.
 */
function refusesEveryFile(error: ApiError, perFileFields: ReadonlySet<string>): boolean {
  if ([0, 401, 403, 404, 405].includes(error.status)) return true;
  return error.code === "invalid_request" && error.issues.some((issue) => !perFileFields.has(issue.path));
}

/** Why the run stopped and what helps: running it again only when the server may answer next time. */
function stopReason(error: ApiError): string {
  const said = `${error.message} (${error.code})`;
  if (error.code === "unreachable") return `${said}. Run the same command again to resume.`;
  if (error.code === "not_json") return said; // another server answered: the message asks whether --server is right
  if (error.status === 401) return `the server refused the key: ${said}. Give a valid --key (or IMPRINT_KEY).`;
  if (error.status === 403) return `the key lacks the role to register originals: ${said}. Use the key of an owner or ip-manager of a seller organisation.`;
  if (error.status === 404 || error.status === 405) return `the server has no such route: ${said}. Is --server (or IMPRINT_SERVER) the API's base URL?`;
  return `the server refused the request as invalid: ${said}. Correct the option and run the command again.`;
}
