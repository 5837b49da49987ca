/**
 * How `npm start` runs the service: node with tsx as its loader and one V8 setting. package.json's start script
 * spells the same arguments (JSON cannot import them; test/config.test.ts holds the two equal), whatever else
 * starts the service as its own process (the fault-injection tests, bench:load) takes them from here, and the
 * npm scripts of the benchmarks that run the service in theirs give node the same flags.
 *
 * The setting: without a configured initial old generation, V8 sizes the old generation's limit from the heap's
 * first survival statistics, close to the ~55 MB the service keeps live, and so marked all of it every few
 * registrations; its background marking threads cost more CPU than the database. With the limit configured, full
 * collections are several times rarer, for a few MB more of heap (README, bench:query).
 */
export const SERVICE_NODE_FLAGS = ["--initial-old-space-size=128"] as const;

/** Node's arguments for the service, run from the repository's root. */
export const SERVICE_NODE_ARGS = [...SERVICE_NODE_FLAGS, "--import", "tsx", "src/main.ts"] as const;

/**
 * The service's flags that this process was started without (from node's own arguments and NODE_OPTIONS): the
 * service then runs, only slower, and says so at start; benchmarks say so in their first line.
 */
export function missingServiceFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ""): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)]);
  return SERVICE_NODE_FLAGS.filter((flag) => !given.has(flag));
}
