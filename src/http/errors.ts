import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ImprintError } from "../core/errors";

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

/** Maps anything thrown in a handler to the error shape; unknown errors are bugs and say nothing internal. */
export function handleError(err: Error, c: Context, log: (line: string) => void = console.error): Response {
  if (err instanceof ImprintError) {
    return c.json(errorBody(err.code, err.message, err.details), err.status as ContentfulStatusCode);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const code =
      { 400: "malformed_body", 401: "unauthorized", 413: "payload_too_large", 415: "unsupported_media_type" }[status as number] ?? "bad_request";
    return c.json(errorBody(code, err.message || "the request was refused"), status);
  }
  log(`internal error on ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}`);
  return c.json(errorBody("internal_error", "an internal error occurred; it has been logged"), 500);
}

/** Response descriptions reused by every route's OpenAPI contract. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { description: "Error", content: { "application/json": { schema: errorSchema } } }]),
  );
