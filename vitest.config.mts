import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** The files that run for minutes (kills and restarts at random moments); every other file takes seconds. */
const LONGEST = ["fault-injection-service", "fault-injection-chain"];

/**
 * Starts the longest files first. Without earlier timings (a clean clone, as CI runs) vitest orders files by size,
 * which started the slowest, a small file, near the end, where it ran alone on one core while the other sat idle.
 */
class LongestFirst extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const i = LONGEST.findIndex((name) => file.moduleId.endsWith(`/${name}.test.ts`));
      return i < 0 ? LONGEST.length : i;
    };
    return sorted.map((file, order) => ({ file, order })).sort((a, b) => rank(a.file) - rank(b.file) || a.order - b.order).map(({ file }) => file);
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Chain and database start-up dominate; two cores run two files at a time.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
  },
});
