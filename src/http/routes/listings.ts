import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { ListingView } from "../../library/listings";
import { addListingUseCase, delistListingUseCase, getListingUseCase } from "../../use-cases/listings";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { imageSourceOf } from "../image-form";
import { ANALYSIS_BUSY, countryCode, idParam, imageFields, jsonContent, keyedErrors, label, multipartBody } from "../schemas";
import { absoluteUrl } from "../urls";

const listingForm = z.object({
  ...imageFields,
  productId: label(200),
  storeId: label(200),
  storeCountry: countryCode,
  category: label(100),
  listedAt: z.iso.datetime({ offset: true }).optional().openapi({ description: "ISO 8601; default now" }),
});

export const listingSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    listedBy: z.string().openapi({ description: "The member who listed it" }),
    productId: z.string(),
    storeId: z.string(),
    storeCountry: z.string(),
    category: z.string(),
    listedAt: z.string(),
    delistedAt: z.string().nullable(),
    sha256: z.string(),
    pdq: z.string(),
    phash: z.string(),
    thumbnailUrl: z.string(),
  })
  .openapi("Listing");


export function listingsRoutes(deps: AppDeps) {
  const { config } = deps;
  const app = new OpenAPIHono<AuthEnv>();
  const auth = bearerAuth(deps.db);
  const view = (l: ListingView) => {
    const { imageId, ...rest } = l;
    return { ...rest, thumbnailUrl: absoluteUrl(config.PUBLIC_BASE_URL, `/v1/images/${imageId}/thumbnail`) };
  };

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/listings",
      summary: "Add a listed product image to the searchable library",
      middleware: [auth] as const,
      request: multipartBody(listingForm),
      responses: {
        201: jsonContent(listingSchema, "Added"),
        ...keyedErrors(400, 413, 415, 422, 502, ANALYSIS_BUSY),
      },
    }),
    async (c) => {
      const form = c.req.valid("form");
      const listing = await addListingUseCase(deps, c.get("actor"), {
        image: await imageSourceOf(form),
        productId: form.productId,
        storeId: form.storeId,
        storeCountry: form.storeCountry,
        category: form.category,
        listedAt: form.listedAt ? new Date(form.listedAt) : undefined,
      });
      return c.json(view(listing), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/listings/{id}",
      summary: "One of the caller's listings",
      middleware: [auth] as const,
      request: { params: idParam },
      responses: { 200: jsonContent(listingSchema, "The listing"), ...keyedErrors(404) },
    }),
    async (c) => c.json(view(await getListingUseCase(deps, c.get("actor"), c.req.valid("param").id)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/listings/{id}/delist",
      summary: "Mark a listing delisted; it stays searchable for RETENTION_DELISTED_DAYS, then is purged",
      middleware: [auth] as const,
      request: { params: idParam },
      responses: { 200: jsonContent(listingSchema, "The listing"), ...keyedErrors(404) },
    }),
    async (c) => c.json(view(await delistListingUseCase(deps, c.get("actor"), c.req.valid("param").id)), 200),
  );
  return app;
}
