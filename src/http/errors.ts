import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
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

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** What a framework refusal (hono's HTTPException) answers: our sentence, never the library's. */
const FRAMEWORK_REFUSALS: Record<number, { code: string; message: string }> = {
  400: { code: "malformed_body", message: "the request body could not be parsed" },
  401: { code: "unauthorized", message: "send an API key as 'Authorization: Bearer <key>'" },
  413: { code: "payload_too_large", message: "the request body is too large" },
  415: { code: "unsupported_media_type", message: "this route does not take that content type" },
};

/**
 * Maps anything thrown in a handler to the error shape. A cause (a library's own error text) goes to the log
 * with the request id, never to the client; the client gets the request id in `X-Request-Id` to quote.
 */
export function handleError(err: Error, c: Context, log: Logger): Response {
  const requestId = c.get("requestId") as string | undefined;
  const where = { requestId, method: c.req.method, path: c.req.path };
  if (err instanceof ImprintError) {
    const status = STATUS_OF[err.code];
    if (err.retryAfterS !== undefined) c.header("Retry-After", String(Math.ceil(err.retryAfterS)));
    if (status >= 500 || err.cause !== undefined) {
      log.warn({ ...where, code: err.code, cause: describeCause(err.cause) }, err.message);
    }
    return c.json(errorBody(err.code, err.message, err.details), status);
  }
  if (err instanceof HTTPException) {
    const refusal = FRAMEWORK_REFUSALS[err.status] ?? { code: "bad_request", message: "the request was refused" };
    log.info({ ...where, status: err.status, cause: err.message }, "request refused by the framework");
    return c.json(errorBody(refusal.code, refusal.message), err.status);
  }
  log.error({ ...where, err }, "internal error");
  return c.json(errorBody("internal_error", "an internal error occurred; it has been logged"), 500);
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
