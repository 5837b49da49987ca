import { padEndToWidth, tailWithinWidth } from "./terminal-width";

/** Columns of the line given to the file name. */
const LABEL_COLUMNS = 40;

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
      stream.write(`\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${finished}/${total} ${padEndToWidth(outcome, 10)} ${padEndToWidth(tailWithinWidth(label, LABEL_COLUMNS), LABEL_COLUMNS)}`);
      if (finished === total) stream.write("\n");
    },
  };
}
