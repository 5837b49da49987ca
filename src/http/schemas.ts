import { z } from "@hono/zod-openapi";
import { ISO_3166_ALPHA2 } from "../core/countries";
import { errorResponses } from "./errors";

/** A JSON response of the OpenAPI contract. */
export const jsonContent = <T>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

/**
 * The error statuses of a /v1 route that answers without a key: besides its own, 429, as every /v1 request is
 * counted by src/http/rate-limits.ts before any route sees it. One place, so no route's contract forgets it.
 */
export const publicErrors = (...statuses: number[]) => errorResponses(429, ...statuses);

/**
 * The error statuses of a /v1 route behind `bearerAuth`: besides its own and the rate limit's 429, 401 (no key, or
 * an unknown or revoked one) and 403 (a role the route refuses, or a portal session's change without its CSRF token).
 */
export const keyedErrors = (...statuses: number[]) => publicErrors(401, 403, ...statuses);

/** What a route that analyses an image answers when the worker pool is full or shutting down (src/work/worker-pool.ts). */
export const ANALYSIS_BUSY = 503;

/** A required JSON request body. */
export const jsonBody = <T>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });

/** A required multipart/form-data request body. */
export const multipartBody = <T>(schema: T) => ({ body: { required: true, content: { "multipart/form-data": { schema } } } });

/** ISO 3166-1 alpha-2, one of the officially assigned codes (so "ZZ", "EU" and "UK" are refused), upper-cased. */
export const countryCode = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .refine((s) => ISO_3166_ALPHA2.has(s), "must be an ISO 3166-1 alpha-2 country code")
  .openapi({ example: "DE" });

/**
 * Control characters (C0, DEL, C1: a NUL is refused by PostgreSQL's text type, the others corrupt logs and
 * exports) and lone UTF-16 surrogates (not text in any encoding). A surrogate pair is one code point under /u.
 */
const NOT_TEXT = /[\p{Cc}\uD800-\uDFFF]/u;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const plainText = (s: string) => !NOT_TEXT.test(s);
/** Says which of the two it is: a JSON escape such as "\ud800" is no control character, and "control characters" would send the caller looking for one. */
const NOT_TEXT_MESSAGE = {
  error: (issue: { input?: unknown }) =>
    LONE_SURROGATE.test(String(issue.input)) ? "must be valid Unicode text: a lone surrogate (\\ud800–\\udfff) is not a character" : "must not contain control characters",
};

/** A one-line text field stored as given (trimmed). */
export const label = (max: number) => z.string().trim().min(1).max(max).refine(plainText, NOT_TEXT_MESSAGE);

/**
 * Numbers in form and query fields, decimal digits only: z.coerce would read "" as 0, "0x50" as 80, "1e2" as
 * 100 and " 85" as 85, so a typo would silently change what a search means.
 */
export const decimalNumber = (min: number, max: number) => {
  const message = `must be a decimal number from ${min} to ${max}, such as 85 or 92.5`;
  const inRange = (s: string) => /^\d{1,6}(\.\d{1,6})?$/.test(s) && Number(s) >= min && Number(s) <= max;
  return z.string({ error: message }).refine(inRange, message).transform(Number);
};

/**
 * A whole number from `min` to `max` in a query, form field or path segment: decimal digits only, as above. One
 * check with one message in our words, so that every way of being wrong ("abc", "0x3", " 3", "5.0", "+5", 20
 * digits, out of range) answers the same sentence, never zod's ("expected number, received NaN", "expected int
 * to be <=9007199254740991"). Any number of digits may be read: Number() rounds monotonically, so a value over a
 * safe `max` still reads as over it (or as Infinity), never as a smaller number within range.
 */
export const wholeNumber = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  const inRange = (s: string) => /^\d+$/.test(s) && Number(s) >= min && Number(s) <= max;
  // The message on the type too: a repeated query field (`?limit=1&limit=2`) arrives as an array.
  return z.string({ error: message }).refine(inRange, message).transform(Number);
};

/** `{id}` in a route's path. */
export const idParam = z.object({ id: z.string().max(100).refine(plainText, NOT_TEXT_MESSAGE).openapi({ param: { name: "id", in: "path" } }) });

/** A file part or a URL to fetch; which one is present is checked by the handler (exactly one). */
export const imageFields = {
  image: z.any().optional().openapi({ type: "string", format: "binary", description: "JPEG, PNG or WebP" }),
  url: z.string().max(2048).refine(plainText, NOT_TEXT_MESSAGE).optional().openapi({ description: "http(s) URL of the image, instead of a file" }),
};

/** A member as created, with their first key (shown only in this answer). */
export const newMemberSchema = z
  .object({ memberId: z.string(), name: z.string(), role: z.string(), apiKey: z.string() })
  .openapi("NewMember");

export const originalSchema = z
  .object({
    id: z.string().openapi({ example: "reg_4f1c2a9e0b7d3c5a6e8f9012" }),
    accountId: z.string(),
    registeredBy: z.string().openapi({ description: "The member who registered it" }),
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

/** Documentation of what bundles and search receipts share (src/core/bundle.ts `anchoringFields`). */
export const anchoringDoc = {
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
