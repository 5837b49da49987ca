import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { listAlertsUseCase, setAlertStatusUseCase } from "../../use-cases/alerts";
import { alertMatchPictureUseCase } from "../../use-cases/match-pictures";
import { linksFrom } from "../../use-cases/links";
import { ALERT_STATUSES } from "../../watch/alerts";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { idParam, jsonContent, keyedErrors, wholeNumber } from "../schemas";

const matchAlertSchema = z
  .object({
    id: z.string().openapi({ example: "alr_9f1e2d3c4b5a69788776a5b4" }),
    createdAt: z.string(),
    kind: z.literal("match"),
    original: z.object({ id: z.string(), productId: z.string(), thumbnailUrl: z.string() }),
    match: z.object({
      kind: z.enum(["listing", "original"]),
      id: z.string(),
      productId: z.string(),
      storeId: z.string().optional(),
      storeCountry: z.string(),
      listedAt: z.string().optional(),
      registeredAt: z.string().optional(),
      similarity: z.number(),
      thumbnailUrl: z.string(),
    }),
    matchUrl: z.string().openapi({ description: "The match picture (PNG, same access as the alert): the matched image beside the original" }),
    status: z.enum(ALERT_STATUSES),
  })
  .openapi("MatchAlert");

const complaintAlertSchema = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    kind: z.literal("complaint"),
    complaint: z.object({ id: z.string(), complainantId: z.string(), url: z.string() }),
    listing: z.object({ id: z.string(), productId: z.string(), storeId: z.string(), storeCountry: z.string(), listedAt: z.string(), thumbnailUrl: z.string() }),
    similarity: z.number().openapi({ description: "The best similarity the complaint recorded of the complainant's originals" }),
    status: z.enum(ALERT_STATUSES),
  })
  .openapi("ComplaintAlert");

/** A match of one of the organisation's originals, or a complaint against one of its listings. */
export const alertSchema = z.discriminatedUnion("kind", [matchAlertSchema, complaintAlertSchema]).openapi("Alert");

/** The statuses, and `all`, which the portal's filter offers beside them: the same as no filter. */
const STATUS_FILTERS = [...ALERT_STATUSES, "all"] as const;

export function alertsRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  const auth = bearerAuth(deps.db);

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/alerts",
      summary: "Watch alerts of the organisation's originals, newest first",
      middleware: [auth] as const,
      request: {
        query: z.object({
          status: z
            .enum(STATUS_FILTERS, { error: `must be one of ${STATUS_FILTERS.join(", ")}` })
            .optional()
            .transform((s) => (s === "all" ? undefined : s)),
          limit: wholeNumber(1, 100).default(20),
          cursor: z.string().max(200).optional(),
        }),
      },
      responses: {
        200: jsonContent(z.object({ items: z.array(alertSchema), nextCursor: z.string().nullable() }), "A page of alerts"),
        ...keyedErrors(400),
      },
    }),
    async (c) => {
      const links = linksFrom(deps.config.PUBLIC_BASE_URL);
      return c.json(await listAlertsUseCase(deps, c.get("actor"), c.req.valid("query"), links), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/v1/alerts/{id}",
      summary: "Acknowledge or dismiss an alert",
      middleware: [auth] as const,
      request: {
        params: idParam,
        body: { required: true, content: { "application/json": { schema: z.object({ status: z.enum(ALERT_STATUSES) }) } } },
      },
      responses: { 200: jsonContent(alertSchema, "The alert"), ...keyedErrors(400, 404) },
    }),
    async (c) => {
      const links = linksFrom(deps.config.PUBLIC_BASE_URL);
      return c.json(await setAlertStatusUseCase(deps, c.get("actor"), c.req.valid("param").id, c.req.valid("json").status, links), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/alerts/{id}/match.png",
      summary: "An alert's match picture: the matched image beside the original, matched keypoints joined (the alert's `matchUrl`)",
      middleware: [auth] as const,
      request: { params: idParam },
      responses: { 200: { description: "The match picture (without lines for a byte-identical or PDQ-only match)", content: { "image/png": { schema: z.any().openapi({ type: "string", format: "binary" }) } } }, ...keyedErrors(404) },
    }),
    async (c) => {
      const png = await alertMatchPictureUseCase(deps, c.get("actor"), c.req.valid("param").id);
      return c.body(new Uint8Array(png), 200, { "content-type": "image/png", "cache-control": "private, max-age=86400" });
    },
  );
  return app;
}
