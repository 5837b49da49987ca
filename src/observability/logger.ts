import pino from "pino";

/** Structured JSON logs (pino): one object per line, so an operator can filter by request id, route or account. */
export type Logger = pino.Logger;

export interface LoggerOptions {
  level?: string;
  /** Where lines go (default stdout). Tests pass a stream to read them. */
  destination?: pino.DestinationStream;
}

export function createLogger({ level = "info", destination }: LoggerOptions = {}): Logger {
  return pino(
    {
      level,
      base: { service: "imprint" },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Defence in depth: keys and image bytes are never logged on purpose; if one is ever passed, it is censored.
      redact: { paths: ["apiKey", "key", "authorization", "*.authorization", "headers.authorization", "bytes", "image"], censor: "[redacted]" },
    },
    destination,
  );
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = pino({ level: "silent" });
