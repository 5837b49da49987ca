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

/** Maps anything thrown in a handler to the error shape. A cause goes to the log, never to the client. */
export function handleError(err: Error, c: Context, log: Logger): Response {
  if (err instanceof ImprintError) {
    const status = STATUS_OF[err.code];
    if (err.retryAfterS !== undefined) c.header("Retry-After", String(Math.ceil(err.retryAfterS)));
    if (status >= 500 || err.cause !== undefined) {
      log.warn({ code: err.code, method: c.req.method, path: c.req.path, cause: describeCause(err.cause) }, err.message);
    }
    return c.json(errorBody(err.code, err.message, err.details), status);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const code =
      { 400: "malformed_body", 401: "unauthorized", 413: "payload_too_large", 415: "unsupported_media_type" }[status as number] ?? "bad_request";
    return c.json(errorBody(code, err.message || "the request was refused"), status);
  }
  log.error({ method: c.req.method, path: c.req.path, err }, "internal error");
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
