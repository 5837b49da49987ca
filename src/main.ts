import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { loadConfig } from "./config";
import { databaseFor, openDatabase } from "./db/client";
import { nativeAddon } from "./matching/native-addon";
import { createLogger } from "./observability/logger";
import { missingServiceFlags } from "./service-command";

/** `npm start`: the service on the embedded defaults (PGlite + anvil under DATA_DIR) unless configured otherwise. */
async function main() {
  const config = loadConfig();
  const log = createLogger({ level: config.LOG_LEVEL });
  // A stray rejection is a bug to log, not a reason to drop every request in flight.
  process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled rejection"));
  // The database opens first (PGlite on a thread of its own), while this thread loads the rest of the service: the
  // two take about as long, so a start (and a restart after a crash) waits for one of them, not both (README,
  // Operations: start-up).
  const opening = openDatabase(databaseFor(config));
  opening.catch(() => undefined); // startServices reports a failure; until then it is not an unhandled rejection
  const services = await import("./services")
    .then(({ startServices }) => startServices(config, { log, database: opening }))
    .catch(async (error: unknown) => {
      // Closed as startServices closes what it opened itself: PGlite's files are left as a clean stop leaves them.
      await opening.then((database) => database.close()).catch(() => undefined);
      throw error;
    });
  // Without its database the service can only refuse (503); a supervisor restarting it does better. What was
  // committed is kept (PGlite writes it to DATA_DIR), and anchoring resumes from it (README, Operations).
  services.database.onLost((error) => {
    log.fatal({ err: error }, "the database stopped: exiting so that the service can be started again");
    process.exit(1);
  });
  if (services.generatedAdminKey) {
    console.log(`\n  Admin API key (shown once; set IMPRINT_ADMIN_KEY to choose your own):\n    ${services.generatedAdminKey}\n`);
  }
  const { chain } = services.deps;
  const server = serve({ fetch: services.app.fetch, hostname: config.HOST, port: config.PORT }, (info) => {
    log.info(
      {
        url: `http://${config.HOST}:${info.port}`,
        database: services.database.engine,
        chainId: chain.chainId,
        contract: chain.contract,
        // Which build extracts and matches features (scripts/build-native.ts says why it may be the WASM one).
        orb: nativeAddon() ? "native" : "wasm",
      },
      "imprint listening",
    );
    const missing = missingServiceFlags();
    if (missing.length) log.warn({ missing }, "started without the node flags npm start gives (README, Operations): slower under load");
  });

  let stopping = false;
  // Graceful stop: refuse new connections, let requests in flight finish (up to SHUTDOWN_TIMEOUT_MS), then
  // close the services: analysis workers, index, a last seal-and-anchor run, anvil (which saves its state) and
  // the database.
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    services.beginStop();
    const timeoutMs = config.SHUTDOWN_TIMEOUT_MS;
    log.info({ signal, timeoutMs }, "stopping: finishing requests in flight");
    const http = server as Server;
    const drained = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeIdleConnections();
    const deadline = setTimeout(() => {
      log.warn({ timeoutMs }, "requests still in flight at the shutdown deadline; closing their connections");
      http.closeAllConnections();
    }, timeoutMs);
    await drained;
    clearTimeout(deadline);
    await services.close();
    await services.database.close();
    log.info("stopped");
    process.exit(0);
  };
  const stop = (signal: string) =>
    shutdown(signal).catch((error: unknown) => {
      log.fatal({ err: error }, "shutdown failed");
      process.exit(1);
    });
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(`imprint failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
