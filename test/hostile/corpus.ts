/**
 * The hostile-input corpus: files (committed under test/fixtures/hostile/, large ones made by large-files.ts)
 * and fields, each sent through the real HTTP server by hostile-input.test.ts. Every one must be answered with a
 * 4xx in the error shape, with nothing written.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { nestedJson, oversized, wideJson } from "./large-files";

const dir = path.join(__dirname, "../fixtures/hostile");

/**
 * Files whose refusal needs strict decoding in src/imaging (the matcher's branch): today they decode. They run
 * in their own block of hostile-input.test.ts.
 */
export const NEEDS_STRICT_DECODING = new Set(["jpeg-claims-6000x6600-over-1200x799.jpg", "jpeg-corrupt-scan.jpg"]);

/** Decodable but too small to store or search: refused by the upload routes, a fair image for verification. */
const TOO_SMALL = new Set(["tiny-1x1.png", "small-64x64.jpg"]);

export interface HostileFile {
  name: string;
  bytes: Buffer;
  /** Whether POST /v1/verify must refuse it too (it only needs an image it can read). */
  refusedByVerify: boolean;
}

/** Every committed hostile file, plus one over the upload limit. */
export function hostileFiles(maxUploadBytes: number): HostileFile[] {
  const committed = readdirSync(dir)
    .filter((name) => !NEEDS_STRICT_DECODING.has(name))
    .sort()
    .map((name) => ({ name, bytes: readFileSync(path.join(dir, name)), refusedByVerify: !TOO_SMALL.has(name) }));
  return [...committed, { name: "oversized (MAX_UPLOAD_BYTES + 1)", bytes: oversized(maxUploadBytes), refusedByVerify: true }];
}

export function strictDecodingFiles(): HostileFile[] {
  return [...NEEDS_STRICT_DECODING].map((name) => ({ name, bytes: readFileSync(path.join(dir, name)), refusedByVerify: true }));
}

export type UploadRoute = "/v1/originals" | "/v1/listings" | "/v1/search";

/** Valid fields of each upload route, which a field case then spoils. */
export const VALID_FIELDS: Record<UploadRoute, Record<string, string>> = {
  "/v1/originals": { productId: "SKU-1", category: "shoes", storeCountry: "DE", title: "A shoe" },
  "/v1/listings": { productId: "SKU-1", storeId: "store-1", category: "shoes", storeCountry: "DE", listedAt: "2026-01-01T00:00:00Z" },
  "/v1/search": { scope: "all", threshold: "85", limit: "5", category: "shoes" },
};

export interface FieldCase {
  name: string;
  route: UploadRoute;
  /** Fields replacing the route's valid ones (a valid image is attached unless `noImage`). */
  fields: Record<string, string>;
  noImage?: boolean;
}

const text = (route: UploadRoute, field: string): FieldCase[] =>
  [
    ["NUL", "SKU\u00001"],
    ["escape sequence", "\u001b[31mred\u001b[0m"],
    ["CR LF (log injection)", "a\r\nlevel=error msg=forged"],
    ["C1 control (NEL)", "a\u0085b"],
    ["DEL", "a\u007fb"],
    ["only spaces", "   "],
    ["too long (10 000 characters)", "x".repeat(10_000)],
  ].map(([what, value]) => ({ name: `${field} ${what}`, route, fields: { [field]: value } }));

export const FIELD_CASES: FieldCase[] = [
  ...text("/v1/originals", "productId"),
  ...text("/v1/originals", "category"),
  ...text("/v1/originals", "title"),
  ...text("/v1/listings", "storeId"),
  ...text("/v1/search", "category"),
  ...["ZZ", "EU", "UK", "XK", "UN", "AA", "D", "DEU", "D E", "D\u0000", "", "1A", "ÄÖ"].flatMap((storeCountry) =>
    (["/v1/originals", "/v1/listings"] as const).map((route) => ({ name: `storeCountry ${JSON.stringify(storeCountry)}`, route, fields: { storeCountry } })),
  ),
  ...["", "0x50", "1e2", "NaN", "Infinity", "-1", "101", " 85", "85 ", "+85", "8_5", "８５", "85,5", "0b101"].map((threshold) => ({
    name: `threshold ${JSON.stringify(threshold)}`,
    route: "/v1/search" as const,
    fields: { threshold },
  })),
  ...["", "0", "51", "5.5", "0x5", "-1", "1e1"].map((limit) => ({ name: `limit ${JSON.stringify(limit)}`, route: "/v1/search" as const, fields: { limit } })),
  { name: "scope unknown", route: "/v1/search", fields: { scope: "everything" } },
  ...[
    "9999-12-31T00:00:00Z",
    "2099-01-01T00:00:00+00:00",
    "2026-02-30T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-01-01T25:00:00Z",
    "2026-01-01",
    "yesterday",
    "+275760-09-13T00:00:00Z",
    "1767225600000",
    "",
  ].map((listedAt) => ({ name: `listedAt ${JSON.stringify(listedAt)}`, route: "/v1/listings" as const, fields: { listedAt } })),
  ...[
    ["url with NUL", "http://example.com/\u0000a.jpg"],
    ["url with CR LF (header injection)", "http://example.com/a.jpg\r\nHost: internal"],
    ["url of 3 000 characters", `http://example.com/${"a".repeat(3000)}`],
    ["url not a URL", "not a url"],
  ].map(([name, url]) => ({ name, route: "/v1/originals" as const, fields: { url }, noImage: true })),
  { name: "both an image and a url", route: "/v1/originals", fields: { url: "https://example.com/a.jpg" } },
  { name: "neither an image nor a url", route: "/v1/listings", fields: {}, noImage: true },
];

/** Query strings of GET /v1/originals. */
export const QUERY_CASES: string[] = [
  "cursor=garbage",
  `cursor=${"A".repeat(10_000)}`,
  `cursor=${encodeURIComponent(Buffer.from("1\u0000:reg_000000000000000000000000").toString("base64url"))}`,
  `cursor=${Buffer.from("-1:reg_zzz").toString("base64url")}`,
  "cursor=%00",
  "limit=0x10",
  "limit=",
  "limit=1e1",
  "limit=101",
  "limit=-5",
];

/** Bodies of POST /v1/verify that are not a bundle's JSON (as the JSON body). */
export function verifyBodies(maxUploadBytes: number): { name: string; body: string }[] {
  return [
    { name: "JSON bomb: nested 30 000 deep", body: nestedJson(30_000) },
    { name: "JSON bomb: nested 2.5 M deep (5 MB)", body: nestedJson(Math.floor(maxUploadBytes / 2)) },
    { name: "JSON bomb: 5 MB of members", body: wideJson(maxUploadBytes) },
    { name: "JSON bomb: 65 KB string", body: JSON.stringify("x".repeat(65 * 1024)) },
    { name: "not JSON", body: "{nope" },
    { name: "empty body", body: "" },
    { name: "NUL bytes", body: "\u0000\u0000\u0000" },
  ];
}
