import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/observability/logger";

/**
 * A real JSON logger whose lines a test can read back (`msg` of each line, and the parsed objects). `raw` keeps
 * each line as written: JSON.parse keeps the last of two equal keys, so only the text shows a key written twice.
 */
export function capturingLogger(): { log: Logger; lines: Record<string, unknown>[]; raw: string[]; messages(): string[] } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line.trim()) continue;
        raw.push(line);
        lines.push(JSON.parse(line));
      }
      done();
    },
  });
  return { log: createLogger({ level: "debug", destination }), lines, raw, messages: () => lines.map((l) => String(l.msg)) };
}

/** The top-level keys a JSON object's text names more than once (pino writes a bound field and a passed one both). */
export function repeatedKeys(json: string): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const ch = json[i];
    if (ch === "{" || ch === "[") depth++;
    else if (ch === "}" || ch === "]") depth--;
    else if (ch === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === "\\" ? 2 : 1;
      let next = end + 1;
      while (/\s/.test(json[next] ?? "")) next++;
      // A string at the top level followed by a colon is a key.
      if (depth === 1 && json[next] === ":") {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        if (seen.has(key)) repeated.add(key);
        seen.add(key);
      }
      i = end;
    }
  }
  return [...repeated];
}
