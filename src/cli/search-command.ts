import { existsSync } from "node:fs";
import { ApiError, apiClient, imageForm, type ServerOptions } from "./api-client";
import { EXIT, exitForRefusal } from "./exit-codes";
import type { Output } from "./output";
import { displayWidth, padEndToWidth } from "./terminal-width";

export interface SearchCommandOptions extends ServerOptions {
  /** A file path, or an http(s) URL for the server to fetch. */
  image: string;
  scope?: string;
  threshold?: string;
  category?: string;
  limit?: string;
  json: boolean;
}

interface Hit {
  kind: string;
  id: string;
  productId: string;
  storeCountry: string;
  registeredAt?: string;
  listedAt?: string;
  similarity: number;
  /** The searching organisation's own original or listing. */
  yours: boolean;
  evidence: { status: string } | null;
}

/** `imprint search`: the hits as a table (or the server's JSON with --json); exit 0 with hits, 1 without. */
export async function searchCommand(options: SearchCommandOptions, io: Output): Promise<number> {
  const fields = { scope: options.scope, threshold: options.threshold, category: options.category, limit: options.limit };
  let form: FormData;
  if (/^https?:\/\//i.test(options.image)) {
    form = new FormData();
    form.set("url", options.image);
    for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.set(name, value);
  } else if (existsSync(options.image)) {
    form = imageForm(options.image, fields);
  } else {
    io.fail("input", `no such file: ${options.image}`);
    return EXIT.usage;
  }
  let body: { searchId: string; hits: Hit[]; warnings: string[] };
  try {
    body = (await apiClient(options).json<typeof body>("POST", "/v1/search", form)).body;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    io.fail(error.code, `search refused: ${error.message} (${error.code})`);
    return exitForRefusal(error.status);
  }
  if (options.json) io.line(JSON.stringify(body, null, 2));
  else {
    printHits(body.hits, body.warnings, io.line);
    // The record's id is what sealing the search as a receipt takes (POST /v1/searches/:id/seal).
    io.line(`search record: ${body.searchId}`);
  }
  return body.hits.length ? EXIT.ok : EXIT.notAll;
}

function printHits(hits: Hit[], warnings: string[], out: (line: string) => void) {
  if (warnings.length) out(`warnings: ${warnings.join(", ")}`);
  if (!hits.length) {
    out("No similar original or listing found.");
    return;
  }
  const rows = hits.map((h) => [
    h.similarity.toFixed(1),
    h.kind,
    h.yours ? "yes" : "-",
    h.id,
    h.productId,
    h.storeCountry,
    h.registeredAt ?? h.listedAt ?? "",
    h.evidence?.status ?? "-",
  ]);
  const header = ["similarity", "kind", "yours", "id", "product", "country", "time (UTC)", "evidence"];
  const widths = header.map((title, i) => Math.max(displayWidth(title), ...rows.map((r) => displayWidth(r[i]))));
  const line = (cells: string[]) => cells.map((cell, i) => padEndToWidth(cell, widths[i])).join("  ").trimEnd();
  out(line(header));
  for (const row of rows) out(line(row));
}
