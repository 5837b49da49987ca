import { serve } from "@hono/node-server";
import { loadConfig } from "./config";
import { createLogger } from "./observability/logger";
import { startServices } from "./services";

/** `npm start`: the service on the embedded defaults (PGlite + anvil under DATA_DIR) unless configured otherwise. */
async function main() {
  const config = loadConfig();
  const log = createLogger({ level: config.LOG_LEVEL });
  // A stray rejection is a bug to log, not a reason to drop every request in flight.
  process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled rejection"));
  const services = await startServices(config, { log });
  if (services.generatedAdminKey) {
    console.log(`\n  Admin API key (shown once; set IMPRINT_ADMIN_KEY to choose your own):\n    ${services.generatedAdminKey}\n`);
  }
  const { chain } = services.deps;
  const server = serve({ fetch: services.app.fetch, hostname: config.HOST, port: config.PORT }, (info) => {
    log.info(
      { url: `http://${config.HOST}:${info.port}`, database: services.database.engine, chainId: chain.chainId, contract: chain.contract },
      "imprint listening",
    );
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    server.close();
    services.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(`imprint failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
