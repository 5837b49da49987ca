/**
 * Where a command writes. The result goes to stdout and nothing else does, so that `imprint … --json | jq` always
 * reads JSON; errors, warnings and progress go to stderr. With --json the error that ends a command is also put on
 * stdout as `{"error": {"code", "message"}}` (the API's own error shape), so a script sees why it got no result.
 */
export interface Output {
  /** A line of the result. */
  line(text: string): void;
  /** The result as bytes (a PDF written with `-o -`). */
  bytes(data: Uint8Array): void;
  /** A remark beside the result: a warning, why a run stopped. */
  note(text: string): void;
  /** The error that ends the command. `code` is the server's error code, or `usage`, `input`, `unreachable`, `not_json`. */
  fail(code: string, message: string): void;
}

export function consoleOutput(json: boolean): Output {
  return {
    line: (text) => process.stdout.write(text + "\n"),
    bytes: (data) => process.stdout.write(data),
    note: (text) => process.stderr.write(text + "\n"),
    fail(code, message) {
      process.stderr.write(message + "\n");
      if (json) process.stdout.write(JSON.stringify({ error: { code, message } }) + "\n");
    },
  };
}

/** Resolves once everything written to stdout and stderr is handed to the OS: process.exit() would cut a piped PDF short. */
export function flushed(): Promise<void> {
  const drain = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write("", () => resolve()));
  return Promise.all([drain(process.stdout), drain(process.stderr)]).then(() => undefined);
}
