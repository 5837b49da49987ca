import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS } from "../complaints/pdf-attachment";
import { ImprintError } from "../core/errors";
import { auditTrail } from "./audit-trail";
import type { AppDeps } from "./deps";
import { errorBody, handleError } from "./errors";
import { accountsRoutes } from "./routes/accounts";
import { auditRoutes } from "./routes/audit";
import { chainRoutes } from "./routes/chain";
import { complaintsRoutes } from "./routes/complaints";
import { docsRoutes } from "./routes/docs";
import { deploymentsRoutes } from "./routes/deployments";
import { imagesRoutes } from "./routes/images";
import { keysRoutes } from "./routes/keys";
import { listingsRoutes } from "./routes/listings";
import { membersRoutes } from "./routes/members";
import { originalsRoutes } from "./routes/originals";
import { portalRoutes } from "./routes/portal";
import { searchRoutes } from "./routes/search";
import { signingKeysRoutes } from "./routes/signing-keys";
import { verifyRoutes } from "./routes/verify";
import { verifyPageRoutes } from "./routes/verify-page";

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

  // Every answer carries X-Request-Id; the log lines of a failure carry the same id.
  app.use("*", requestId());
  // Outermost but for the request id, so that it sees every answer, refusals included.
  app.use("*", auditTrail(deps));

  // Complaints and appeals carry up to five 10 MB PDFs; every other body is at most one image.
  const attachmentsLimit = bodyLimit({
    maxSize: MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + FORM_OVERHEAD_BYTES,
    onError: () => {
      throw new ImprintError("payload_too_large", `request bodies are limited to ${MAX_ATTACHMENTS} attachments of ${MAX_ATTACHMENT_BYTES} bytes`);
    },
  });
  const imageLimit = bodyLimit({
    maxSize: deps.config.MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES,
    onError: () => {
      throw new ImprintError("payload_too_large", `request bodies are limited to ${deps.config.MAX_UPLOAD_BYTES} bytes of image`);
    },
  });
  app.use("*", (c, next) => (/^\/v1\/complaints(\/[^/]+\/appeal)?$/.test(c.req.path) ? attachmentsLimit : imageLimit)(c, next));

  app.route("/", accountsRoutes(deps));
  app.route("/", membersRoutes(deps));
  app.route("/", keysRoutes(deps));
  app.route("/", auditRoutes(deps));
  app.route("/", originalsRoutes(deps));
  app.route("/", listingsRoutes(deps));
  app.route("/", searchRoutes(deps));
  app.route("/", complaintsRoutes(deps));
  app.route("/", chainRoutes(deps));
  app.route("/", verifyRoutes(deps));
  app.route("/", deploymentsRoutes(deps));
  app.route("/", signingKeysRoutes(deps));
  app.route("/", imagesRoutes(deps));
  app.route("/", docsRoutes());
  app.route("/", verifyPageRoutes());
  app.route("/", portalRoutes(deps));

  app.get("/healthz", (c) => c.json({ ok: true }));
  // Readiness for a load balancer: a process whose search index is still loading takes no search traffic yet.
  app.get("/readyz", (c) => {
    const index = deps.library?.status;
    const ready = index === undefined || index.state === "ready";
    return c.json({ ready, ...(index ? { index } : {}) }, ready ? 200 : 503);
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "Imprint API", version: "1", description: "Register originals, anchor them on chain, find edited copies, verify evidence. Interactive: /docs." },
    security: [{ bearer: [] }],
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", description: "an Imprint API key" });

  app.notFound((c) => c.json(errorBody("not_found", `no route ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => handleError(err, c, deps.log));
  return app;
}

export type App = ReturnType<typeof createApp>;
