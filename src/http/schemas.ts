import { z } from "@hono/zod-openapi";

/** A JSON response of the OpenAPI contract. */
export const jsonContent = <T>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

/** A required multipart/form-data request body. */
export const multipartBody = <T>(schema: T) => ({ body: { required: true, content: { "multipart/form-data": { schema } } } });

const regionNames = new Intl.DisplayNames(["en"], { type: "region" });

/** ISO 3166-1 alpha-2, checked against ICU's list of regions (so "XX" and "ZZ" are refused), upper-cased. */
export const countryCode = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .refine((s) => /^[A-Z]{2}$/.test(s) && regionNames.of(s) !== s, "must be an ISO 3166-1 alpha-2 country code")
  .openapi({ example: "DE" });

export const label = (max: number) => z.string().trim().min(1).max(max);

/** `{id}` in a route's path. */
export const idParam = z.object({ id: z.string().max(100).openapi({ param: { name: "id", in: "path" } }) });

/** A file part or a URL to fetch; which one is present is checked by the handler (exactly one). */
export const imageFields = {
  image: z.any().optional().openapi({ type: "string", format: "binary", description: "JPEG, PNG or WebP" }),
  url: z.string().optional().openapi({ description: "http(s) URL of the image, instead of a file" }),
};

export const originalSchema = z
  .object({
    id: z.string().openapi({ example: "reg_4f1c2a9e0b7d3c5a6e8f9012" }),
    accountId: z.string(),
    sha256: z.string(),
    pdq: z.string(),
    phash: z.string(),
    quality: z.number().int().openapi({ description: "PDQ quality 0–100; below 50 the hash is less reliable" }),
    width: z.number().int(),
    height: z.number().int(),
    productId: z.string(),
    category: z.string(),
    storeCountry: z.string(),
    title: z.string().nullable(),
    registeredAt: z.string().openapi({ example: "2026-11-27T12:00:00.123Z" }),
    status: z.enum(["pending", "sealed", "anchored"]),
    thumbnailUrl: z.string(),
    evidenceUrl: z.string(),
    warnings: z.array(z.string()).optional(),
  })
  .openapi("Original");

export const anchorSchema = z
  .object({
    chainId: z.number().int(),
    contract: z.string(),
    txHash: z.string(),
    blockNumber: z.number().int(),
    blockTimestamp: z.number().int(),
  })
  .openapi("Anchor");

const registrationDoc = {
  id: z.string(),
  accountId: z.string(),
  sha256: z.string(),
  pdq: z.string(),
  phash: z.string(),
  registeredAt: z.string(),
};

const anchoringDoc = {
  leaf: z.string(),
  merkle: z.object({ root: z.string(), proof: z.array(z.string()) }),
  anchor: anchorSchema,
  reanchor: z
    .object({ proof: z.array(z.string()), root: z.string(), anchor: anchorSchema })
    .optional()
    .openapi({ description: "The path through a root of roots anchored on a newer deployment (README, Re-anchoring)" }),
};

/** Documentation of the bundle formats; the strict schemas that verification applies are in src/core/bundle.ts. */
export const bundleSchemaDoc = z
  .union([
    z.object({ format: z.literal("imprint.evidence.v1"), registration: z.object(registrationDoc), ...anchoringDoc }),
    z.object({
      format: z.literal("imprint.evidence.v2"),
      registration: z.object({ ...registrationDoc, productId: z.string(), signedAt: z.number().int(), signer: z.string(), signature: z.string() }),
      ...anchoringDoc,
    }),
  ])
  .openapi("EvidenceBundle");

/** A root and the transaction that anchored it. */
const anchoredRootFields = {
  id: z.number().int(),
  root: z.string(),
  leafCount: z.number().int(),
  chainId: z.number().int(),
  contract: z.string(),
  txHash: z.string(),
  blockNumber: z.number().int(),
  blockTimestamp: z.number().int(),
  gasUsed: z.number().int(),
};

export const batchSchema = z.object(anchoredRootFields).openapi("Batch");

/** A root of roots: `leafCount` roots of deployment `fromName`, anchored with `toName`. */
export const reanchorSchema = z.object({ ...anchoredRootFields, fromName: z.string(), toName: z.string() }).openapi("Reanchor");

export const verdictSchema = z
  .object({
    ok: z.boolean(),
    trusted: z.boolean().openapi({ description: "One of this service's deployments vouches for the anchor" }),
    path: z.enum(["direct", "reanchor"]).optional().openapi({ description: "The anchor path its chain confirmed" }),
    statement: z.string().optional(),
    findings: z
      .object({ chain: z.string(), deployment: z.string(), signature: z.string(), local: z.string().optional() })
      .optional()
      .openapi({ description: "What the chain proves, what the deployment vouches for, what the owner's signature proves" }),
    checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
  })
  .openapi("Verdict");
