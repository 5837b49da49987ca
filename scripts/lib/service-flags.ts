import { missingServiceFlags, SERVICE_NODE_FLAGS } from "../../src/service-command";

/**
 * For a benchmark that runs the service in its own process (its npm script gives node the service's flags): which
 * of them this process has, so that a figure measured without them says so.
 */
export function serviceFlagsNote(): string {
  const missing = missingServiceFlags();
  return missing.length ? `WITHOUT the service's node flags ${missing.join(" ")} (run it with its npm script)` : `node flags ${SERVICE_NODE_FLAGS.join(" ")}`;
}
