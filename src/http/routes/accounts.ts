import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { createAccount } from "../../accounts/accounts";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { errorResponses } from "../errors";
import { label } from "../schemas";

export function accountsRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/accounts",
      summary: "Create a seller account (admin); the API key is shown only in this answer",
      middleware: [bearerAuth(deps.db, { role: "admin" })] as const,
      request: { body: { required: true, content: { "application/json": { schema: z.object({ name: label(200) }) } } } },
      responses: {
        201: {
          description: "Created",
          content: { "application/json": { schema: z.object({ accountId: z.string(), name: z.string(), apiKey: z.string() }) } },
        },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { account, apiKey } = await createAccount(deps.db, c.req.valid("json").name);
      return c.json({ accountId: account.id, name: account.name, apiKey }, 201);
    },
  );
  return app;
}
