import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { createChallengeUseCase, listSigningKeysUseCase, registerSigningKeyUseCase, revokeSigningKeyUseCase } from "../../use-cases/signing-keys";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { jsonBody, jsonContent, keyedErrors } from "../schemas";

const keySchema = z.object({ address: z.string(), accountId: z.string(), createdAt: z.string() }).openapi("SigningKey");
const addressField = z.string().max(100).openapi({ example: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" });
/**
 * An organisation's signing keys: Ethereum addresses it proved it holds (by signing a one-time challenge),
 * whose EIP-712 signatures then make its registrations signed evidence (format v2).
 */
export function signingKeysRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  const auth = bearerAuth(deps.db);

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/signing-keys/challenge",
      summary: "A one-time message for the key to sign (EIP-191 personal_sign), valid 10 minutes",
      middleware: [auth] as const,
      request: jsonBody(z.object({ address: addressField })),
      responses: {
        201: jsonContent(z.object({ address: z.string(), nonce: z.string(), message: z.string(), expiresAt: z.string() }), "The challenge"),
        ...keyedErrors(400),
      },
    }),
    async (c) => c.json(await createChallengeUseCase(deps, c.get("actor"), c.req.valid("json").address), 201),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/signing-keys",
      summary: "Register a signing key with its signature over a challenge",
      middleware: [auth] as const,
      request: jsonBody(z.object({ nonce: z.string().max(100), signature: z.string().max(200) })),
      responses: {
        201: jsonContent(keySchema, "The key now signs for this organisation"),
        ...keyedErrors(400, 409, 422),
      },
    }),
    async (c) => c.json(await registerSigningKeyUseCase(deps, c.get("actor"), c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/signing-keys",
      summary: "The organisation's active signing keys",
      middleware: [auth] as const,
      responses: { 200: jsonContent(z.object({ items: z.array(keySchema) }), "Active keys"), ...keyedErrors() },
    }),
    async (c) => c.json({ items: await listSigningKeysUseCase(deps, c.get("actor")) }, 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/signing-keys/{address}",
      summary: "Revoke a signing key (registrations it signed stay signed)",
      middleware: [auth] as const,
      request: { params: z.object({ address: addressField.openapi({ param: { name: "address", in: "path" } }) }) },
      responses: { 204: { description: "Revoked" }, ...keyedErrors(400, 404) },
    }),
    async (c) => {
      await revokeSigningKeyUseCase(deps, c.get("actor"), c.req.valid("param").address);
      return c.body(null, 204);
    },
  );
  return app;
}
