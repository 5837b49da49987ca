import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { addReviewerUseCase, createAccountUseCase } from "../../use-cases/accounts";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { jsonBody, jsonContent, keyedErrors, label, newMemberSchema } from "../schemas";

const nameBody = jsonBody(z.object({ name: label(200) }));

export function accountsRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  const auth = bearerAuth(deps.db);
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/accounts",
      summary: "Create a seller organisation (admin); the owner's API key is shown only in this answer",
      middleware: [auth] as const,
      request: nameBody,
      responses: {
        201: jsonContent(z.object({ accountId: z.string(), name: z.string(), apiKey: z.string() }), "Created"),
        ...keyedErrors(400),
      },
    }),
    async (c) => c.json(await createAccountUseCase(deps, c.get("actor"), c.req.valid("json").name), 201),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/reviewers",
      summary: "Add a reviewer to the platform (admin); the API key is shown only in this answer",
      middleware: [auth] as const,
      request: nameBody,
      responses: { 201: jsonContent(newMemberSchema, "Created"), ...keyedErrors(400) },
    }),
    async (c) => c.json(await addReviewerUseCase(deps, c.get("actor"), c.req.valid("json").name), 201),
  );
  return app;
}
