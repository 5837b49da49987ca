import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  getSearchRecordUseCase,
  listSearchRecordsUseCase,
  searchReceiptUseCase,
  searchThumbnailUseCase,
  sealSearchRecordUseCase,
} from "../../use-cases/search-records";
import { searchHitMatchPictureUseCase } from "../../use-cases/match-pictures";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { anchoringDoc, idParam, jsonContent, keyedErrors, publicErrors, wholeNumber } from "../schemas";
import { hitSchema } from "./search";

const receiptStatus = z.enum(["none", "pending", "sealed", "anchored"]);

const recordFields = {
  id: z.string().openapi({ example: "srch_5b0c9e4f1a2d3c4b5a697887" }),
  searchedAt: z.string().openapi({ example: "2026-12-01T10:00:00.123Z" }),
  searchedBy: z.object({ organisationId: z.string(), memberId: z.string() }),
  query: z.object({ sha256: z.string(), pdq: z.string(), phash: z.string(), width: z.number().int(), height: z.number().int(), thumbnailUrl: z.string() }),
  params: z.object({ scope: z.enum(["all", "recent", "originals"]), threshold: z.number(), category: z.string().nullable(), limit: z.number().int() }),
  hits: z.array(hitSchema).openapi({ description: "The hits exactly as the search answered them" }),
};

const searchRecordSchema = z
  .object({ ...recordFields, receipt: receiptStatus.openapi({ description: "none until POST …/seal; then pending → sealed → anchored" }) })
  .openapi("SearchRecord");

const receiptSchemaDoc = z
  .object({
    format: z.literal("imprint.search-receipt.v1"),
    // The format requires objects as hits; this service's are SearchHits.
    record: z.object({ ...recordFields, hits: z.array(z.record(z.string(), z.unknown())) }),
    digest: z.string(),
    ...anchoringDoc,
  })
  .openapi("SearchReceipt");

export function searchRecordsRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  const auth = bearerAuth(deps.db);

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/searches",
      summary: "The organisation's search records, newest first (kept SEARCH_RECORD_DAYS unless sealed)",
      middleware: [auth] as const,
      request: {
        query: z.object({ limit: wholeNumber(1, 100).default(20), cursor: z.string().max(200).optional() }),
      },
      responses: {
        200: jsonContent(z.object({ items: z.array(searchRecordSchema), nextCursor: z.string().nullable() }), "A page of search records"),
        ...keyedErrors(400),
      },
    }),
    async (c) => c.json(await listSearchRecordsUseCase(deps, c.get("actor"), c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/searches/{id}",
      summary: "One search record: the query, the parameters and the hits as answered",
      middleware: [auth] as const,
      request: { params: idParam },
      responses: { 200: jsonContent(searchRecordSchema, "The record"), ...keyedErrors(404) },
    }),
    async (c) => c.json(await getSearchRecordUseCase(deps, c.get("actor"), c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/searches/{id}/seal",
      summary: "Anchor this record's digest in the next batch (a search receipt); the record is then kept for good",
      middleware: [auth] as const,
      request: { params: idParam },
      responses: { 202: jsonContent(searchRecordSchema, "Queued for the next batch (or already sealed)"), ...keyedErrors(404) },
    }),
    async (c) => c.json(await sealSearchRecordUseCase(deps, c.get("actor"), c.req.valid("param").id), 202),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/searches/{id}/receipt",
      summary: "The search receipt once anchored (202 with its status before); verify it with `npx imprint verify`",
      middleware: [auth] as const,
      request: { params: idParam },
      responses: {
        200: jsonContent(receiptSchemaDoc, "The receipt"),
        202: jsonContent(z.object({ id: z.string(), status: receiptStatus }), "Not anchored yet (status none: no seal was asked for)"),
        ...keyedErrors(404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const result = await searchReceiptUseCase(deps, c.get("actor"), id);
      if (result.status === "anchored") return c.json(result.receipt, 200);
      return c.json({ id, status: result.status }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/searches/{id}/thumbnail",
      // Public: no key (the document's default security is the bearer key).
      security: [],
      summary: "The query image's 256 px WebP thumbnail (public: the record id is unguessable)",
      request: { params: idParam },
      responses: {
        200: { description: "WebP image", content: { "image/webp": { schema: z.any().openapi({ type: "string", format: "binary" }) } } },
        ...publicErrors(404),
      },
    }),
    async (c) => {
      const thumbnail = await searchThumbnailUseCase(deps, c.req.valid("param").id);
      return c.body(new Uint8Array(thumbnail), 200, { "content-type": "image/webp", "cache-control": "private, max-age=86400" });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/searches/{id}/hits/{index}/match.png",
      summary: "A hit's match picture: the query beside the hit's image, matched keypoints joined, the copy outlined (a hit's `matchUrl`)",
      middleware: [auth] as const,
      request: {
        params: idParam.extend({
          index: wholeNumber(0, 1000).openapi({ param: { name: "index", in: "path" }, description: "The hit's 0-based position in the answered hits" }),
        }),
      },
      responses: { 200: { description: "The match picture (without lines for a byte-identical or PDQ-only hit)", content: { "image/png": { schema: z.any().openapi({ type: "string", format: "binary" }) } } }, ...keyedErrors(400, 404) },
    }),
    async (c) => {
      const { id, index } = c.req.valid("param");
      const png = await searchHitMatchPictureUseCase(deps, c.get("actor"), id, index);
      return c.body(new Uint8Array(png), 200, { "content-type": "image/png", "cache-control": "private, max-age=86400" });
    },
  );
  return app;
}
