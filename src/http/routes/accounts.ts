import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { createAccountUseCase } from "../../use-cases/accounts";
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
      middleware: [bearerAuth(deps.db)] as const,
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
      return c.json(await createAccountUseCase(deps, c.get("actor"), c.req.valid("json").name), 201);
    },
  );
  return app;
}
