import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { ImprintError } from "../core/errors";
import type { AppDeps } from "./deps";
import { errorBody, handleError } from "./errors";
import { accountsRoutes } from "./routes/accounts";
import { alertsRoutes } from "./routes/alerts";
import { chainRoutes } from "./routes/chain";
import { imagesRoutes } from "./routes/images";
import { listingsRoutes } from "./routes/listings";
import { originalsRoutes } from "./routes/originals";
import { searchRoutes } from "./routes/search";
import { searchRecordsRoutes } from "./routes/search-records";
import { settingsRoutes } from "./routes/settings";
import { verifyRoutes } from "./routes/verify";

/** Multipart framing and text fields around the image. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

/** The HTTP API over injected dependencies; `app.request()` runs it without a server. */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono({
    // Every validation failure answers in the one error shape.
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
        const message = issues.map((i) => `${i.path || "(body)"}: ${i.message}`).join("; ");
        return c.json(errorBody("invalid_request", message, issues), 400);
      }
    },
  });

  app.use(
    "*",
    bodyLimit({
      maxSize: deps.config.MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES,
      onError: () => {
        throw new ImprintError("payload_too_large", `request bodies are limited to ${deps.config.MAX_UPLOAD_BYTES} bytes of image`);
      },
    }),
  );

  app.route("/", accountsRoutes(deps));
  app.route("/", originalsRoutes(deps));
  app.route("/", listingsRoutes(deps));
  app.route("/", searchRoutes(deps));
  app.route("/", searchRecordsRoutes(deps));
  app.route("/", alertsRoutes(deps));
  app.route("/", settingsRoutes(deps));
  app.route("/", chainRoutes(deps));
  app.route("/", verifyRoutes(deps));
  app.route("/", imagesRoutes(deps));

  app.get("/healthz", (c) => c.json({ ok: true }));
  // Readiness for a load balancer: a process whose search index is still loading takes no search traffic yet.
  app.get("/readyz", (c) => {
    const index = deps.library?.status;
    const ready = index === undefined || index.state === "ready";
    return c.json({ ready, ...(index ? { index } : {}) }, ready ? 200 : 503);
  });
  app.doc31("/openapi.json", { openapi: "3.1.0", info: { title: "Imprint API", version: "1" } });

  app.notFound((c) => c.json(errorBody("not_found", `no route ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => handleError(err, c, deps.log));
  return app;
}

export type App = ReturnType<typeof createApp>;
