import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/observability/logger";

/** A real JSON logger whose lines a test can read back (`msg` of each line, and the parsed objects). */
export function capturingLogger(): { log: Logger; lines: Record<string, unknown>[]; messages(): string[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: createLogger({ level: "debug", destination }), lines, messages: () => lines.map((l) => String(l.msg)) };
}
