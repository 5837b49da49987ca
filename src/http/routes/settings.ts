import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { MIN_WATCH_THRESHOLD } from "../../watch/match";
import { getSettingsUseCase, listDeliveriesUseCase, setWebhookUseCase, updateSettingsUseCase } from "../../use-cases/settings";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { jsonContent, keyedErrors, wholeNumber } from "../schemas";

const webhookView = z.object({ url: z.string(), updatedAt: z.string() }).openapi("Webhook");

const settingsSchema = z
  .object({
    watchThreshold: z.number().openapi({ description: "Similarity at which the organisation's originals alert (default 92)" }),
    webhook: webhookView.nullable(),
  })
  .openapi("Settings");

const deliverySchema = z
  .object({
    id: z.number().int(),
    eventId: z.string(),
    eventType: z.string(),
    attempt: z.number().int(),
    url: z.string(),
    attemptedAt: z.string(),
    outcome: z.enum(["delivered", "failed", "gave-up"]),
    httpStatus: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
    nextAttemptAt: z.string().nullable(),
  })
  .openapi("WebhookDelivery");

/** The organisation's settings, its webhook and the webhook's deliveries (owner: the `organisation` permission). */
export function settingsRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  const auth = bearerAuth(deps.db);
  const json = <T>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/settings",
      summary: "The organisation's settings",
      middleware: [auth] as const,
      responses: { 200: jsonContent(settingsSchema, "The settings"), ...keyedErrors() },
    }),
    async (c) => c.json(await getSettingsUseCase(deps, c.get("actor")), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/v1/settings",
      summary: "Change the organisation's settings",
      middleware: [auth] as const,
      request: json(z.object({ watchThreshold: z.number().min(MIN_WATCH_THRESHOLD).max(100).optional() }).strict()),
      responses: { 200: jsonContent(settingsSchema, "The settings"), ...keyedErrors(400) },
    }),
    async (c) => c.json(await updateSettingsUseCase(deps, c.get("actor"), c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/v1/webhook",
      summary: "Where the organisation's events (alerts) are POSTed, and the secret that signs them",
      middleware: [auth] as const,
      request: json(
        z
          .object({
            url: z.url({ protocol: /^https?$/ }).max(2000),
            secret: z.string().min(16).max(200).openapi({ description: "At least 16 characters; signs every delivery (Imprint-Signature)" }),
          })
          .strict(),
      ),
      responses: { 200: jsonContent(webhookView, "The webhook (the secret is never shown again)"), ...keyedErrors(400) },
    }),
    async (c) => c.json((await setWebhookUseCase(deps, c.get("actor"), c.req.valid("json")))!, 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/webhook",
      summary: "Stop sending events (pending deliveries are given up)",
      middleware: [auth] as const,
      responses: { 204: { description: "Removed" }, ...keyedErrors() },
    }),
    async (c) => {
      await setWebhookUseCase(deps, c.get("actor"), null);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/webhook/deliveries",
      summary: "Every delivery attempt of the organisation's events, newest first",
      middleware: [auth] as const,
      request: { query: z.object({ limit: wholeNumber(1, 100).default(50), cursor: z.string().max(30).optional() }) },
      responses: {
        200: jsonContent(z.object({ items: z.array(deliverySchema), nextCursor: z.string().nullable() }), "A page of attempts"),
        ...keyedErrors(400),
      },
    }),
    async (c) => c.json(await listDeliveriesUseCase(deps, c.get("actor"), c.req.valid("query")), 200),
  );
  return app;
}
