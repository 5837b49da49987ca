import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { listAuditUseCase } from "../../use-cases/audit";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { jsonContent, keyedErrors, wholeNumber } from "../schemas";

const entrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    memberId: z.string(),
    memberName: z.string(),
    keyPrefix: z.string(),
    action: z.string().openapi({ example: "DELETE /v1/members/:id" }),
    target: z.string().nullable().openapi({ description: "The path's id, else the id the answer created" }),
    targetKeyPrefix: z.string().optional().openapi({ description: "When the target is an API key: its prefix, as GET /v1/keys shows it" }),
    outcome: z.object({ status: z.number().int(), code: z.string().optional() }),
  })
  .openapi("AuditEntry");

export function auditRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/audit",
      summary: "Every state-changing request of the organisation's members, refused ones included, newest first (owner)",
      middleware: [bearerAuth(deps.db)] as const,
      request: {
        query: z.object({
          limit: wholeNumber(1, 200).default(50),
          cursor: z.string().max(200).optional(),
        }),
      },
      responses: {
        200: jsonContent(z.object({ items: z.array(entrySchema), nextCursor: z.string().nullable() }), "A page of entries"),
        ...keyedErrors(400),
      },
    }),
    async (c) => c.json(await listAuditUseCase(deps, c.get("actor"), c.req.valid("query")), 200),
  );
  return app;
}
