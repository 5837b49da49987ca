import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ImprintError } from "../../core/errors";
import { fromHex, uint64ToHex } from "../../core/hex";
import { extractFeatures } from "../../matching/features";
import { searchLibrary } from "../../search/search";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { errorResponses } from "../errors";
import { receiveImage } from "../image-input";
import { imageFields, label, multipartBody } from "../schemas";
import { absoluteUrl } from "../urls";

/** How long a search waits for an index that is still loading before answering 503 (small libraries load in less). */
export const INDEX_WAIT_MS = 2_000;

/** Below this shorter side a query still runs, with a `low_resolution` warning: fewer local features survive. */
export const LOW_RESOLUTION_SIDE = 300;

const searchForm = z.object({
  ...imageFields,
  scope: z.enum(["all", "recent", "originals"]).default("all"),
  threshold: z.coerce.number().min(0).max(100).default(85).openapi({ description: "0–100; 85 ≈ ≤ 0.1 % false positives, 92 ≈ ≤ 0.01 %" }),
  category: label(100).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(5),
});

const evidenceSchema = z
  .union([
    z.object({ status: z.literal("stored-as-evidence"), bundleUrl: z.string(), root: z.string(), txHash: z.string(), blockTimestamp: z.number().int() }),
    z.object({ status: z.literal("pending") }),
  ])
  .nullable();

const hitSchema = z
  .object({
    kind: z.enum(["original", "listing"]),
    id: z.string(),
    productId: z.string(),
    storeCountry: z.string(),
    category: z.string(),
    registeredAt: z.string().optional(),
    listedAt: z.string().optional(),
    similarity: z.number(),
    thumbnailUrl: z.string(),
    originalUrl: z.string().optional(),
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
                query: z.object({ sha256: z.string(), pdq: z.string(), phash: z.string(), width: z.number().int(), height: z.number().int() }),
                warnings: z.array(z.string()),
                hits: z.array(hitSchema),
              }),
            },
          },
        },
        ...errorResponses(400, 401, 413, 415, 422, 502, 503),
      },
    }),
    async (c) => {
      const form = c.req.valid("form");
      const { library } = deps;
      if (!library) throw new ImprintError("search_unavailable", "the search index is not running in this process");
      if (!(await library.whenLoaded(INDEX_WAIT_MS))) {
        const { images, expectedImages } = library.status;
        throw new ImprintError(
          "index_loading",
          `the search index is still loading (${images}${expectedImages ? ` of about ${expectedImages}` : ""} images); retry shortly`,
          { details: library.status, retryAfterS: 10 },
        );
      }
      const input = await receiveImage(form, config);
      const { fingerprint } = input;
      const side = Math.min(fingerprint.width, fingerprint.height);
      if (side < config.MIN_QUERY_SIDE) {
        throw new ImprintError("image_too_small", `a query needs at least ${config.MIN_QUERY_SIDE} px on its shorter side; this one has ${side}`);
      }
      const warnings = side < LOW_RESOLUTION_SIDE ? ["low_resolution"] : [];
      const features = await extractFeatures(input.bytes, { mirrored: true, pdq: false });
      features.pdq = { hash: fromHex(fingerprint.pdq), quality: fingerprint.pdqQuality };
      const hits = await searchLibrary(deps.db, library, { fingerprint, features }, {
        scope: form.scope,
        threshold: form.threshold,
        category: form.category,
        limit: form.limit,
        recentDays: config.RECENT_DAYS,
      });
      const url = (path: string) => absoluteUrl(c, config.PUBLIC_BASE_URL, path);
      return c.json(
        {
          query: { sha256: fingerprint.sha256, pdq: fingerprint.pdq, phash: uint64ToHex(fingerprint.phash), width: fingerprint.width, height: fingerprint.height },
          warnings,
          hits: hits.map(({ imageId, sourceUrl, evidence, ...hit }) => ({
            ...hit,
            thumbnailUrl: url(`/v1/images/${imageId}/thumbnail`),
            ...(sourceUrl ? { originalUrl: sourceUrl } : {}),
            evidence: evidence?.status === "stored-as-evidence" ? { ...evidence, bundleUrl: url(`/v1/originals/${hit.id}/evidence`) } : evidence,
          })),
        },
        200,
      );
    },
  );
  return app;
}
