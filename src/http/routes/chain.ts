import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { anchorNowUseCase } from "../../use-cases/anchoring";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { batchSchema, keyedErrors, publicErrors, reanchorSchema } from "../schemas";
import { reanchorUseCase } from "../../use-cases/reanchor";

export function chainRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/chain",
      // Public: no key (the document's default security is the bearer key).
      security: [],
      summary: "Where roots are anchored",
      responses: {
        200: {
          description: "The chain and contract",
          content: {
            "application/json": {
              schema: z.object({ chainId: z.number().int(), contract: z.string(), rpcUrl: z.string().optional(), confirmations: z.number().int() }),
            },
          },
        },
        ...publicErrors(),
      },
    }),
    (c) => {
      const { chainId, contract, publicRpcUrl, confirmations } = deps.chain;
      return c.json({ chainId, contract, ...(publicRpcUrl ? { rpcUrl: publicRpcUrl } : {}), confirmations }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/anchor",
      summary: "Seal what is pending now and anchor it; answers once confirmed (admin)",
      middleware: [bearerAuth(deps.db)] as const,
      responses: {
        200: {
          description: "The batches anchored by this run (empty when nothing was pending); 503 chain_unavailable when none could be",
          content: { "application/json": { schema: z.object({ batches: z.array(batchSchema), errors: z.array(z.string()) }) } },
        },
        ...keyedErrors(503),
      },
    }),
    async (c) => {
      const result = await anchorNowUseCase(deps, c.get("actor"));
      return c.json({ batches: result.anchored, errors: result.errors }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/reanchor",
      summary: "Anchor, on the current deployment, a root of roots over every root of an older one (admin)",
      middleware: [bearerAuth(deps.db)] as const,
      request: {
        body: {
          required: true,
          content: { "application/json": { schema: z.object({ from: z.string().max(63), to: z.string().max(63) }) } },
        },
      },
      responses: {
        200: {
          description: "The roots of roots anchored by this call (empty when every root of `from` is carried already)",
          content: { "application/json": { schema: z.object({ reanchors: z.array(reanchorSchema) }) } },
        },
        ...keyedErrors(400, 404, 409),
      },
    }),
    async (c) => c.json({ reanchors: await reanchorUseCase(deps, c.get("actor"), c.req.valid("json")) }, 200),
  );
  return app;
}
