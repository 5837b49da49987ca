/** A one-line progress bar on a terminal; elsewhere (CI, a pipe) one line per finished item. */
export function progressReporter(total: number, stream: NodeJS.WriteStream = process.stderr) {
  let finished = 0;
  const tty = stream.isTTY === true;
  return {
    done(label: string, outcome: string) {
      finished += 1;
      if (!tty) {
        stream.write(`[${finished}/${total}] ${outcome} ${label}\n`);
        return;
      }
      const width = 30;
      const filled = Math.round((finished / Math.max(total, 1)) * width);
      stream.write(`\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${finished}/${total} ${outcome.padEnd(10)} ${label.slice(-40).padEnd(40)}`);
      if (finished === total) stream.write("\n");
    },
  };
}
