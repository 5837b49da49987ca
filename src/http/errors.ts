import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ImprintError } from "../core/errors";
import type { Logger } from "../observability/logger";
import { STATUS_OF } from "./error-status";

/** The one shape of every error answer. */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "image_too_small" }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** What an error answer leaves on its context: its code, for the request log and the audit trail to record. */
export type ErrorCodeEnv = { Variables: { errorCode?: string } };

/** An answer in the one error shape. Every error answer is made here, so its code is on the context, not re-read from the body. */
export function errorAnswer(c: Context, status: ContentfulStatusCode, code: string, message: string, details?: unknown): Response {
  c.set("errorCode", code);
  return c.json(errorBody(code, message, details), status);
}

/** What a framework refusal (hono's HTTPException) answers: our sentence, never the library's. */
const FRAMEWORK_REFUSALS: Record<number, { code: string; message: string }> = {
  400: { code: "malformed_body", message: "the request body could not be parsed" },
  401: { code: "unauthorized", message: "send an API key as 'Authorization: Bearer <key>'" },
  413: { code: "payload_too_large", message: "the request body is too large" },
  415: { code: "unsupported_media_type", message: "this route does not take that content type" },
};

/** How loud an answer is in the operator log: pino's level names. */
export type Severity = "info" | "error";

/**
 * 5xx answers that are nobody's fault here: the URL the client named failed, was slow or too large (502, so the
 * client can tell it from its own mistake), or documented load shedding refused the request (503 overloaded,
 * with Retry-After). Shedding is logged at info, not warn: it is the service working as designed under load, and
 * one line per refused request above info would flood the log exactly when it is busiest; its rate is counted by
 * imprint_analysis_refused_total, which is what to alert on. (Rate limiting answers 429, a 4xx.)
 */
const NOT_OUR_FAILURE: ReadonlySet<string> = new Set(["fetch_failed", "fetch_timeout", "fetch_too_large", "overloaded"]);

/**
 * A refusal caused by the client's input or by documented load shedding is not an operator's error: 4xx answers
 * and the codes above are info; only unexpected failures (a 500, a chain that fails) are errors.
 */
export function severityOf(status: number, code: string | undefined): Severity {
  return status < 500 || (code !== undefined && NOT_OUR_FAILURE.has(code)) ? "info" : "error";
}

/**
 * Maps anything thrown in a handler to the error shape. A cause (a library's own error text) goes to the log
 * with the request id, never to the client; the client gets the request id in `X-Request-Id` to quote.
 */
export function handleError(err: Error, c: Context, log: Logger): Response {
  // The request's logger (src/http/request-log.ts) binds the id already; one passed again would repeat the key.
  const requestLog = "requestId" in log.bindings() ? log : log.child({ requestId: c.get("requestId") as string | undefined });
  const where = { method: c.req.method, path: c.req.path };
  if (err instanceof ImprintError) {
    const status = STATUS_OF[err.code];
    if (err.retryAfterS !== undefined) c.header("Retry-After", String(Math.ceil(err.retryAfterS)));
    // The request line says the code; this line is for what it cannot say: a cause, or an unexpected failure.
    const severity = severityOf(status, err.code);
    if (severity === "error" || err.cause !== undefined) {
      requestLog[severity]({ ...where, code: err.code, cause: describeCause(err.cause) }, err.message);
    }
    return errorAnswer(c, status, err.code, err.message, err.details);
  }
  if (err instanceof HTTPException) {
    const refusal = FRAMEWORK_REFUSALS[err.status] ?? { code: "bad_request", message: "the request was refused" };
    requestLog.info({ ...where, status: err.status, code: refusal.code, cause: err.message }, "request refused by the framework");
    return errorAnswer(c, err.status as ContentfulStatusCode, refusal.code, refusal.message);
  }
  requestLog.error({ ...where, err }, "internal error");
  return errorAnswer(c, 500, "internal_error", "an internal error occurred; it has been logged");
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  return cause instanceof Error ? cause.message : String(cause);
}

/** Response descriptions reused by every route's OpenAPI contract. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { description: "Error", content: { "application/json": { schema: errorSchema } } }]),
  );
