import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { searchUseCase } from "../../use-cases/search";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { imageSourceOf } from "../image-form";
import { ANALYSIS_BUSY, decimalNumber, imageFields, keyedErrors, label, multipartBody, wholeNumber } from "../schemas";
import { linksFrom } from "../../use-cases/links";

const searchForm = z.object({
  ...imageFields,
  scope: z.enum(["all", "recent", "originals"]).default("all"),
  threshold: decimalNumber(0, 100).default(85).openapi({ description: "0–100; 85 ≈ ≤ 0.1 % false positives, 92 ≈ ≤ 0.01 %" }),
  category: label(100).optional(),
  limit: wholeNumber(1, 50).default(5),
});

const evidenceSchema = z
  .union([
    z.object({ status: z.literal("stored-as-evidence"), bundleUrl: z.string(), root: z.string(), txHash: z.string(), blockTimestamp: z.number().int() }),
    z.object({ status: z.literal("pending") }),
  ])
  .nullable();

export const hitSchema = z
  .object({
    kind: z.enum(["original", "listing"]),
    id: z.string(),
    productId: z.string(),
    storeCountry: z.string(),
    category: z.string(),
    registeredAt: z.string().optional(),
    listedAt: z.string().optional(),
    similarity: z.number(),
    yours: z
      .boolean()
      .optional()
      .openapi({ description: "Registered or listed by the searching organisation; absent only in records answered before the field" }),
    region: z
      .array(z.tuple([z.number(), z.number()]))
      .length(4)
      .optional()
      .openapi({ description: "Where the copy sits in the query, in query pixels: the original's corners (top-left, top-right, bottom-right, bottom-left) mapped into the query" }),
    thumbnailUrl: z.string(),
    matchUrl: z
      .string()
      .optional()
      .openapi({ description: "The hit's match picture (PNG, same access as the search record); absent only in records answered before match pictures" }),
    originalUrl: z.string().optional().openapi({ description: "The URL the image was fetched from; shown to its owner only" }),
    evidence: evidenceSchema,
  })
  .openapi("SearchHit");

export function searchRoutes(deps: AppDeps) {
  const { config } = deps;
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/search",
      summary: "Find registered originals and listed product images similar to an image, edited copies included",
      middleware: [bearerAuth(deps.db)] as const,
      request: multipartBody(searchForm),
      responses: {
        200: {
          description: "Hits, most similar first",
          content: {
            "application/json": {
              schema: z.object({
                searchId: z.string().openapi({ description: "The stored record of this search: GET /v1/searches/{id}" }),
                query: z.object({ sha256: z.string(), pdq: z.string(), phash: z.string(), width: z.number().int(), height: z.number().int() }),
                warnings: z.array(z.string()),
                hits: z.array(hitSchema),
              }),
            },
          },
        },
        ...keyedErrors(400, 413, 415, 422, 502, ANALYSIS_BUSY),
      },
    }),
    async (c) => {
      const form = c.req.valid("form");
      const links = linksFrom(config.PUBLIC_BASE_URL);
      const result = await searchUseCase(deps, c.get("actor"), {
        image: await imageSourceOf(form),
        scope: form.scope,
        threshold: form.threshold,
        category: form.category,
        limit: form.limit,
      }, links);
      return c.json(result, 200);
    },
  );
  return app;
}
