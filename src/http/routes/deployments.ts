import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps";
import { jsonContent } from "../schemas";

const deploymentsDoc = z
  .object({
    format: z.literal("imprint.deployments.v1"),
    deployments: z.array(
      z.object({
        name: z.string(),
        chainId: z.number().int(),
        contract: z.string(),
        anchorer: z.string(),
        from: z.string(),
        until: z.string().optional(),
        local: z.boolean().optional(),
      }),
    ),
  })
  .openapi("Deployments");

/** The deployments this service anchors with and vouches for, for verifiers to pin (`imprint verify --trust`). */
export function deploymentsRoutes(deps: AppDeps) {
  const app = new OpenAPIHono();
  app.openapi(
    createRoute({
      method: "get",
      path: "/.well-known/imprint-deployments.json",
      // Public: no key (the document's default security is the bearer key).
      security: [],
      summary: "Every ProvenanceAnchor this service used, its anchorer and period (format imprint.deployments.v1)",
      responses: { 200: jsonContent(deploymentsDoc, "The deployments file") },
    }),
    (c) => c.json(deps.deployments.file, 200),
  );
  return app;
}
