import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { contentDisposition } from "../content-disposition";
import type { OriginalView } from "../../ledger/originals";
import { getEvidenceUseCase, getOriginalUseCase, listOriginalsUseCase, registerOriginalUseCase } from "../../use-cases/originals";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { imageSourceOf } from "../image-form";
import { ANALYSIS_BUSY, bundleSchemaDoc, countryCode, idParam, imageFields, jsonContent, keyedErrors, label, multipartBody, originalSchema, wholeNumber } from "../schemas";
import { allOrNoneSigned, ownerSignatureFields, ownerSignatureOf } from "../owner-signature";
import { absoluteUrl } from "../urls";
import { getCertificateUseCase } from "../../use-cases/certificate";

const registerForm = z
  .object({
    ...imageFields,
    productId: label(200),
    category: label(100),
    storeCountry: countryCode,
    title: label(500).optional(),
    ...ownerSignatureFields,
  })
  .refine(allOrNoneSigned, { message: "signer, signature and signedAt go together", path: ["signature"] });

/** The answer of the evidence and certificate routes before the registration's batch is anchored. */
const notAnchored = {
  description: "Not anchored yet: poll again after the next anchoring",
  content: { "application/json": { schema: z.object({ id: z.string(), status: z.enum(["pending", "sealed"]), registeredAt: z.string() }) } },
};

export function originalsRoutes(deps: AppDeps) {
  const { config } = deps;
  const app = new OpenAPIHono<AuthEnv>();
  const auth = bearerAuth(deps.db);

  const view = (o: OriginalView, warnings?: string[]) => {
    const { imageId, ...rest } = o;
    return {
      ...rest,
      thumbnailUrl: absoluteUrl(config.PUBLIC_BASE_URL, `/v1/images/${imageId}/thumbnail`),
      evidenceUrl: absoluteUrl(config.PUBLIC_BASE_URL, `/v1/originals/${o.id}/evidence`),
      ...(warnings?.length ? { warnings } : {}),
    };
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
        ...keyedErrors(400, 413, 415, 422, 502, ANALYSIS_BUSY),
      },
    }),
    async (c) => {
      const form = c.req.valid("form");
      const { original, created, warnings } = await registerOriginalUseCase(deps, c.get("actor"), {
        image: await imageSourceOf(form),
        productId: form.productId,
        category: form.category,
        storeCountry: form.storeCountry,
        title: form.title,
        signed: ownerSignatureOf(form),
      });
      return c.json(view(original, warnings), created ? 201 : 200);
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
          limit: wholeNumber(1, 100).default(20),
          cursor: z.string().max(200).optional(),
        }),
      },
      responses: {
        200: {
          description: "A page of registrations",
          content: { "application/json": { schema: z.object({ items: z.array(originalSchema), nextCursor: z.string().nullable() }) } },
        },
        ...keyedErrors(400),
      },
    }),
    async (c) => {
      const page = await listOriginalsUseCase(deps, c.get("actor"), c.req.valid("query"));
      return c.json({ items: page.items.map((o) => view(o)), nextCursor: page.nextCursor }, 200);
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
        ...keyedErrors(404),
      },
    }),
    async (c) => {
      return c.json(view(await getOriginalUseCase(deps, c.get("actor"), c.req.valid("param").id)), 200);
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
        ...keyedErrors(404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const evidence = await getEvidenceUseCase(deps, id);
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
        ...keyedErrors(404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const answer = await getCertificateUseCase(deps, { registrationId: id, verifierUrl: absoluteUrl(config.PUBLIC_BASE_URL, "/verify") });
      if (answer.status !== "anchored") return c.json({ id, status: answer.status, registeredAt: answer.registeredAt }, 202);
      return c.body(new Uint8Array(answer.pdf), 200, { "content-type": "application/pdf", "content-disposition": contentDisposition("inline", answer.fileName) });
    },
  );

  return app;
}
