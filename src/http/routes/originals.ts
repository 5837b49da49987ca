import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ImprintError } from "../../core/errors";
import { checkOriginalQuality } from "../../imaging/quality";
import { evidenceOf } from "../../ledger/evidence";
import { decodeCursor, getOriginal, listOriginals, registerOriginal, type OriginalView } from "../../ledger/originals";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { errorResponses } from "../errors";
import { receiveImage } from "../image-input";
import { bundleSchemaDoc, countryCode, idParam, imageFields, jsonContent, label, multipartBody, originalSchema } from "../schemas";
import { absoluteUrl } from "../urls";
import { getCertificate } from "../../use-cases/certificate";

const registerForm = z.object({
  ...imageFields,
  productId: label(200),
  category: label(100),
  storeCountry: countryCode,
  title: label(500).optional(),
});

/** The answer of the evidence and certificate routes before the registration's batch is anchored. */
const notAnchored = {
  description: "Not anchored yet: poll again after the next anchoring",
  content: { "application/json": { schema: z.object({ id: z.string(), status: z.enum(["pending", "sealed"]), registeredAt: z.string() }) } },
};

export function originalsRoutes(deps: AppDeps) {
  const { db, config } = deps;
  const app = new OpenAPIHono<AuthEnv>();
  const auth = bearerAuth(db);

  const view = (c: Context, o: OriginalView, warnings?: string[]) => {
    const { imageId, ...rest } = o;
    return {
      ...rest,
      thumbnailUrl: absoluteUrl(c, config.PUBLIC_BASE_URL, `/v1/images/${imageId}/thumbnail`),
      evidenceUrl: absoluteUrl(c, config.PUBLIC_BASE_URL, `/v1/originals/${o.id}/evidence`),
      ...(warnings?.length ? { warnings } : {}),
    };
  };

  const ownOriginal = async (accountId: string, role: string, id: string) => {
    const original = await getOriginal(db, id);
    // Someone else's registration answers like a missing one: ids are not to be probed.
    if (!original || (original.accountId !== accountId && role !== "admin")) {
      throw new ImprintError("not_found", `no registration ${id}`);
    }
    return original;
  };

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/originals",
      summary: "Register an original image before listing it",
      middleware: [auth] as const,
      request: multipartBody(registerForm),
      responses: {
        201: jsonContent(originalSchema, "Registered (pending anchoring)"),
        200: jsonContent(originalSchema, "These bytes were already registered by this account"),
        ...errorResponses(400, 401, 413, 415, 422, 502),
      },
    }),
    async (c) => {
      const form = c.req.valid("form");
      const account = c.get("account");
      const input = await receiveImage(form, config);
      const { fingerprint } = input;
      const quality = checkOriginalQuality(fingerprint, config.MIN_ORIGINAL_SIDE);
      if (!quality.ok) {
        throw new ImprintError(
          "image_too_small",
          `an original needs at least ${config.MIN_ORIGINAL_SIDE} px on its shorter side; this one is ${fingerprint.width}×${fingerprint.height}`,
        );
      }
      const features = deps.extractFeatures ? await deps.extractFeatures(input.bytes) : null;
      const { original, created } = await registerOriginal(db, {
        accountId: account.id,
        fingerprint,
        byteSize: input.bytes.length,
        features,
        productId: form.productId,
        category: form.category,
        storeCountry: form.storeCountry,
        title: form.title ?? null,
        sourceUrl: input.sourceUrl,
      });
      if (created) {
        deps.batcher.notifyRegistered();
        deps.onImageAdded?.();
      }
      return c.json(view(c, original, quality.warnings), created ? 201 : 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/originals",
      summary: "The caller's registrations, newest first",
      middleware: [auth] as const,
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(100).default(20),
          cursor: z.string().max(200).optional(),
        }),
      },
      responses: {
        200: {
          description: "A page of registrations",
          content: { "application/json": { schema: z.object({ items: z.array(originalSchema), nextCursor: z.string().nullable() }) } },
        },
        ...errorResponses(400, 401),
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const decoded = cursor === undefined ? null : decodeCursor(cursor);
      if (cursor !== undefined && !decoded) throw new ImprintError("invalid_cursor", "the cursor is not one this API issued");
      const page = await listOriginals(db, c.get("account").id, limit, decoded);
      return c.json({ items: page.items.map((o) => view(c, o)), nextCursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/originals/{id}",
      summary: "One of the caller's registrations",
      middleware: [auth] as const,
      request: { params: idParam },
      responses: {
        200: jsonContent(originalSchema, "The registration"),
        ...errorResponses(401, 404),
      },
    }),
    async (c) => {
      const account = c.get("account");
      return c.json(view(c, await ownOriginal(account.id, account.role, c.req.valid("param").id)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/originals/{id}/evidence",
      summary: "The evidence bundle of an anchored registration (202 with the status before that)",
      middleware: [auth] as const,
      request: { params: idParam },
      responses: {
        200: jsonContent(bundleSchemaDoc, "The bundle; verify it with `npx imprint verify`"),
        202: notAnchored,
        ...errorResponses(401, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      // Bundles hold no secrets and exist to be shown to third parties: any account may fetch one.
      const evidence = await evidenceOf(db, id);
      if (!evidence) throw new ImprintError("not_found", `no registration ${id}`);
      if (evidence.status === "anchored") return c.json(evidence.bundle, 200);
      return c.json({ id, status: evidence.status, registeredAt: evidence.registeredAt }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/originals/{id}/certificate.pdf",
      summary: "The certificate of an anchored registration: a PDF with the evidence bundle attached (202 with the status before that)",
      middleware: [auth] as const,
      request: { params: idParam },
      responses: {
        200: { description: "PDF; its attachment evidence-<id>.json is the bundle", content: { "application/pdf": { schema: z.any().openapi({ type: "string", format: "binary" }) } } },
        202: notAnchored,
        ...errorResponses(401, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const answer = await getCertificate(db, { registrationId: id, verifierUrl: absoluteUrl(c, config.PUBLIC_BASE_URL, "/verify") });
      if (answer.status !== "anchored") return c.json({ id, status: answer.status, registeredAt: answer.registeredAt }, 202);
      return c.body(new Uint8Array(answer.pdf), 200, { "content-type": "application/pdf", "content-disposition": `inline; filename="${answer.fileName}"` });
    },
  );

  return app;
}
