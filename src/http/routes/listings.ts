import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ImprintError } from "../../core/errors";
import { addListing, delistListing, getListing, type ListingView } from "../../library/listings";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { errorResponses } from "../errors";
import { receiveImage } from "../image-input";
import { countryCode, idParam, imageFields, jsonContent, label, multipartBody } from "../schemas";
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
  const { db, config } = deps;
  const app = new OpenAPIHono<AuthEnv>();
  const auth = bearerAuth(db);
  const view = (c: Context, l: ListingView) => {
    const { imageId, ...rest } = l;
    return { ...rest, thumbnailUrl: absoluteUrl(c, config.PUBLIC_BASE_URL, `/v1/images/${imageId}/thumbnail`) };
  };
  const ownListing = async (c: Context<AuthEnv>, id: string) => {
    const listing = await getListing(db, id);
    const account = c.get("account");
    if (!listing || (listing.accountId !== account.id && account.role !== "admin")) throw new ImprintError("not_found", `no listing ${id}`);
    return listing;
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
        ...errorResponses(400, 401, 413, 415, 422, 502),
      },
    }),
    async (c) => {
      const form = c.req.valid("form");
      const input = await receiveImage(form, config);
      const { fingerprint } = input;
      if (Math.min(fingerprint.width, fingerprint.height) < config.MIN_QUERY_SIDE) {
        throw new ImprintError("image_too_small", `a listing image needs at least ${config.MIN_QUERY_SIDE} px on its shorter side`);
      }
      const listing = await addListing(db, {
        accountId: c.get("account").id,
        fingerprint,
        byteSize: input.bytes.length,
        features: deps.extractFeatures ? await deps.extractFeatures(input.bytes) : null,
        productId: form.productId,
        storeId: form.storeId,
        storeCountry: form.storeCountry,
        category: form.category,
        listedAt: form.listedAt ? new Date(form.listedAt) : new Date(),
        sourceUrl: input.sourceUrl,
      });
      deps.onImageAdded?.();
      return c.json(view(c, listing), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/listings/{id}",
      summary: "One of the caller's listings",
      middleware: [auth] as const,
      request: { params: idParam },
      responses: { 200: jsonContent(listingSchema, "The listing"), ...errorResponses(401, 404) },
    }),
    async (c) => c.json(view(c, await ownListing(c, c.req.valid("param").id)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/listings/{id}/delist",
      summary: "Mark a listing delisted; it stays searchable for RETENTION_DELISTED_DAYS, then is purged",
      middleware: [auth] as const,
      request: { params: idParam },
      responses: { 200: jsonContent(listingSchema, "The listing"), ...errorResponses(401, 404) },
    }),
    async (c) => {
      const listing = await ownListing(c, c.req.valid("param").id);
      await delistListing(db, listing.id, new Date());
      return c.json(view(c, (await getListing(db, listing.id))!), 200);
    },
  );
  return app;
}
