import { isUtf8 } from "node:buffer";
import { createHash, timingSafeEqual } from "node:crypto";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, Next } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS } from "../complaints/pdf-attachment";
import { ImprintError } from "../core/errors";
import { auditTrail } from "./audit-trail";
import { checkReadiness } from "../observability/readiness";
import { clientAddress } from "./client-address";
import type { AppDeps } from "./deps";
import { errorAnswer, handleError } from "./errors";
import { rateLimits } from "./rate-limits";
import { requestLog, type RequestLogEnv } from "./request-log";
import { accountsRoutes } from "./routes/accounts";
import { auditRoutes } from "./routes/audit";
import { alertsRoutes } from "./routes/alerts";
import { chainRoutes } from "./routes/chain";
import { complaintsRoutes } from "./routes/complaints";
import { docsRoutes } from "./routes/docs";
import { deploymentsRoutes } from "./routes/deployments";
import { imagesRoutes } from "./routes/images";
import { keysRoutes } from "./routes/keys";
import { listingsRoutes } from "./routes/listings";
import { membersRoutes } from "./routes/members";
import { originalsRoutes } from "./routes/originals";
import { issueMessage, type Issue } from "./validation-messages";
import { portalNotFound, portalRoutes } from "./routes/portal";
import { searchRoutes } from "./routes/search";
import { signingKeysRoutes } from "./routes/signing-keys";
import { searchRecordsRoutes } from "./routes/search-records";
import { settingsRoutes } from "./routes/settings";
import { verifyRoutes } from "./routes/verify";
import { verifyPageRoutes } from "./routes/verify-page";

/** Multipart framing and text fields around the image. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

/** The HTTP API over injected dependencies; `app.request()` runs it without a server. */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<RequestLogEnv>({
    // Every validation failure answers in the one error shape.
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: issueMessage(i as Issue) }));
        const message = issues.map((i) => `${i.path || "(body)"}: ${i.message}`).join("; ");
        return errorAnswer(c, 400, "invalid_request", message, issues);
      }
    },
  });

  // Every answer carries X-Request-Id; the log lines of a failure carry the same id.
  app.use("*", requestId());
  // Outermost but for the request id, so that it sees every answer, refusals included.
  app.use("*", auditTrail(deps));

  app.use("*", requestLog(deps.log, deps.metrics));
  app.use("/v1/*", rateLimits(deps.config));

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
  // Inside the limits, so that reading the body here is bounded as any handler's reading would be.
  app.use("*", strictUtf8Body);

  app.route("/", accountsRoutes(deps));
  app.route("/", membersRoutes(deps));
  app.route("/", keysRoutes(deps));
  app.route("/", auditRoutes(deps));
  app.route("/", originalsRoutes(deps));
  app.route("/", listingsRoutes(deps));
  app.route("/", searchRoutes(deps));
  app.route("/", complaintsRoutes(deps));
  app.route("/", searchRecordsRoutes(deps));
  app.route("/", alertsRoutes(deps));
  app.route("/", settingsRoutes(deps));
  app.route("/", chainRoutes(deps));
  app.route("/", verifyRoutes(deps));
  app.route("/", deploymentsRoutes(deps));
  app.route("/", signingKeysRoutes(deps));
  app.route("/", imagesRoutes(deps));
  app.route("/", docsRoutes());
  app.route("/", verifyPageRoutes(deps));
  app.route("/", portalRoutes(deps));

  app.get("/healthz", (c) => c.json({ ok: true }));
  // Readiness for a load balancer (src/observability/readiness.ts says what counts).
  app.get("/readyz", async (c) => {
    const readiness = await checkReadiness({ db: deps.db, chain: deps.chainReachability, chainStatus: deps.chainStatus, index: deps.library?.status });
    return c.json(readiness, readiness.ready ? 200 : 503);
  });
  // Prometheus scrapes from this host, or with METRICS_TOKEN from anywhere.
  app.get("/metrics", async (c) => {
    if (!deps.metrics) return errorAnswer(c, 404, "not_found", "metrics are not collected in this process");
    const token = deps.config.METRICS_TOKEN;
    const allowed = token ? sameSecret(c.req.header("authorization") ?? "", `Bearer ${token}`) : isLoopback(clientAddress(c, deps.config.TRUST_PROXY));
    if (!allowed) throw new ImprintError("forbidden", token ? "send 'Authorization: Bearer <METRICS_TOKEN>'" : "metrics are served to this host only (set METRICS_TOKEN)");
    return c.text(await deps.metrics.registry.metrics(), 200, { "content-type": deps.metrics.registry.contentType });
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "Imprint API", version: "1", description: "Register originals, anchor them on chain, find edited copies, verify evidence. Interactive: /docs." },
    security: [{ bearer: [] }],
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", description: "an Imprint API key" });

  // A browser asking for an unknown page gets the portal's 404 page; programs (and the API's paths) the JSON.
  const notFoundPage = portalNotFound(deps);
  app.notFound(async (c) => (await notFoundPage(c)) ?? errorAnswer(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => handleError(err, c, c.get("log") ?? deps.log));
  return app;
}

/**
 * Every body but a multipart form (which carries files) is text, read as JSON by the validators and by /v1/verify.
 * The platform's decoder turns bytes that are not UTF-8 into U+FFFD, so `{"name":"\xff"}` would be stored as "�",
 * text the caller never sent: such a body is refused instead.
 */
async function strictUtf8Body(c: Context, next: Next): Promise<void> {
  if (c.req.raw.body && !/^multipart\/form-data\b/i.test(c.req.header("content-type") ?? "")) {
    // Read once: hono keeps the bytes for c.req.json() and text(). Checked without decoding them a second time.
    if (!isUtf8(await c.req.arrayBuffer())) throw new ImprintError("malformed_body", "the body is not valid UTF-8 text");
  }
  await next();
}

/** Compares digests in constant time, so the answer's timing says nothing about how much of a token was right. */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

function isLoopback(address: string): boolean {
  return /^(127\.|::1$|::ffff:127\.)/.test(address);
}

export type App = ReturnType<typeof createApp>;
