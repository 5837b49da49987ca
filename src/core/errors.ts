/**
 * The one error type of the service. `status` is the HTTP status the edge answers with,
 * `code` a stable machine-readable identifier, `message` a sentence for people.
 * Every caller-facing failure is an ImprintError; anything else is a bug (answered 500).
 */
export class ImprintError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ImprintError";
  }
}

/** The caller is wrong: throw a 4xx ImprintError unless `condition` holds. */
export function validate(condition: unknown, status: number, code: string, message: string): asserts condition {
  if (!condition) throw new ImprintError(status, code, message);
}

/** We have a bug: an internal invariant failed. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}
