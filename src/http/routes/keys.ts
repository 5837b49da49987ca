import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ROLES } from "../../accounts/actor";
import { createKeyUseCase, listKeysUseCase, revokeKeyUseCase } from "../../use-cases/keys";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { jsonContent, keyedErrors } from "../schemas";

const keySchema = z
  .object({
    id: z.number().int(),
    prefix: z.string().nullable().openapi({ description: "The key's first characters (null for an older key until its first use)" }),
    memberId: z.string(),
    memberName: z.string(),
    role: z.enum(ROLES),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable().openapi({ description: "Refreshed at most once a minute" }),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

const keyIdParam = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,9}$/, "a key id is a positive integer")
    .transform(Number)
    .openapi({ param: { name: "id", in: "path" }, type: "string" }),
});

/** The owner manages the organisation's keys; an admin, the platform's. */
export function keysRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  const auth = bearerAuth(deps.db);

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/keys",
      summary: "The organisation's API keys, revoked ones included (never the keys themselves)",
      middleware: [auth] as const,
      responses: { 200: jsonContent(z.object({ items: z.array(keySchema) }), "The keys"), ...keyedErrors() },
    }),
    async (c) => c.json({ items: await listKeysUseCase(deps, c.get("actor")) }, 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/keys",
      summary: "Create a key for a member (the caller by default); the key is shown only in this answer",
      middleware: [auth] as const,
      request: { body: { required: false, content: { "application/json": { schema: z.object({ memberId: z.string().max(100).optional() }) } } } },
      responses: {
        201: jsonContent(z.object({ id: z.number().int(), prefix: z.string(), memberId: z.string(), memberName: z.string(), createdAt: z.string(), apiKey: z.string() }), "Created"),
        ...keyedErrors(400, 404),
      },
    }),
    async (c) => c.json(await createKeyUseCase(deps, c.get("actor"), c.req.valid("json") ?? {}), 201),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/keys/{id}",
      summary: "Revoke a key; it fails from the next request on",
      middleware: [auth] as const,
      request: { params: keyIdParam },
      responses: { 200: jsonContent(keySchema, "The revoked key"), ...keyedErrors(400, 404, 409) },
    }),
    async (c) => c.json(await revokeKeyUseCase(deps, c.get("actor"), c.req.valid("param").id), 200),
  );
  return app;
}
