/**
 * The hostile-input corpus: files (committed under test/fixtures/hostile/, large ones made by large-files.ts)
 * and fields, each sent through the real HTTP server by hostile-input.test.ts. Every one must be answered with a
 * 4xx in the error shape, with nothing written.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { nestedJson, oversized, wideJson } from "./large-files";

const dir = path.join(__dirname, "../fixtures/hostile");

/** Files whose refusal needs strict decoding in src/imaging: they run in their own block of hostile-input.test.ts. */
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

/** Paths whose `{id}` is hostile (a NUL is refused by PostgreSQL's text type: it must never reach a query). */
export const PATH_CASES: { method: "GET" | "POST"; path: string }[] = ["%00", "reg_%00", "%1B%5B2J", "x".repeat(101), "%F0%9F%91%9F%00"].flatMap((id) => [
  { method: "GET" as const, path: `/v1/originals/${id}` },
  { method: "GET" as const, path: `/v1/originals/${id}/evidence` },
  { method: "GET" as const, path: `/v1/listings/${id}` },
  { method: "POST" as const, path: `/v1/listings/${id}/delist` },
  { method: "GET" as const, path: `/v1/images/${id}/thumbnail` },
]);

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

/** What the complaint cases name: a complaint the target filed against another organisation's listing. */
export interface ComplaintTarget {
  listingId: string;
  originalId: string;
  complaintId: string;
  /** An alert of another organisation: a complaint may not cite it. */
  foreignAlertId: string;
}

type Part = [name: string, value: string | { filename: string; bytes: Buffer }];

export interface ComplaintCase {
  name: string;
  /** Who sends it: the complainant (the target), the listing's organisation, or a reviewer. */
  as: "complainant" | "respondent" | "reviewer";
  path: string;
  /** Multipart parts in order (repeats allowed), or a raw body with its content type. */
  parts?: Part[];
  body?: { contentType: string; text: string };
}

/** A one-page PDF that passes every attachment check. */
async function plainPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.addPage([200, 200]).drawText("Certificate", { x: 20, y: 100, size: 12, font: await doc.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await doc.save());
}

/** Text no statement, reason or id may hold. */
const CONTROL_TEXT: [string, string][] = [
  ["NUL", "a\u0000b"],
  ["escape sequence", "\u001b[31mred\u001b[0m"],
  ["DEL", "a\u007fb"],
  ["C1 U+0080", "a\u0080b"],
  ["C1 NEL U+0085", "a\u0085b"],
  ["C1 U+009B (CSI)", "\u009b2J"],
  ["C1 U+009F", "a\u009fb"],
  ["vertical tab", "a\u000bb"],
];

/**
 * POST /v1/complaints, /appeal, /decision and /withdraw spoiled one way each: control characters in text, NUL and
 * junk in ids, repeated and oversized fields, attachments that are not plain PDFs, the wrong party. None may write.
 */
export async function complaintCases(t: ComplaintTarget): Promise<ComplaintCase[]> {
  const pdf = await plainPdf();
  const encrypted = readFileSync(path.join(__dirname, "../fixtures/pdf/encrypted.pdf"));
  const jpeg = readFileSync(path.join(__dirname, "../fixtures/images/photos/building.jpg"));
  const file = (filename: string, bytes: Buffer) => ({ filename, bytes });
  const valid: Record<string, string> = { listingId: t.listingId, originalIds: t.originalId, statement: "This listing uses our registered photo." };
  const filing = (name: string, change: Record<string, string | null>, extra: Part[] = []): ComplaintCase => {
    const fields = { ...valid, ...change };
    const parts: Part[] = Object.entries(fields).flatMap(([k, v]): Part[] => (v === null ? [] : [[k, v]]));
    return { name: `complaint ${name}`, as: "complainant", path: "/v1/complaints", parts: [...parts, ...extra] };
  };
  const appeal = (name: string, parts: Part[], as: ComplaintCase["as"] = "respondent"): ComplaintCase => ({ name: `appeal ${name}`, as, path: `/v1/complaints/${t.complaintId}/appeal`, parts });
  const decision = (name: string, text: string, as: ComplaintCase["as"] = "reviewer"): ComplaintCase => ({
    name: `decision ${name}`,
    as,
    path: `/v1/complaints/${t.complaintId}/decision`,
    body: { contentType: "application/json", text },
  });
  const attachment = (name: string, f: { filename: string; bytes: Buffer }) => filing(`attachment ${name}`, {}, [["attachments", f]]);

  return [
    ...CONTROL_TEXT.flatMap(([what, value]) => [
      filing(`statement with ${what}`, { statement: `Our photo. ${value}` }),
      filing(`listingId with ${what}`, { listingId: t.listingId + value }),
      filing(`originalIds with ${what}`, { originalIds: t.originalId + value }),
      filing(`searchId with ${what}`, { searchId: "srch_" + value }),
      filing(`alertId with ${what}`, { alertId: "alr_" + value }),
      appeal(`statement with ${what}`, [["statement", `We own it. ${value}`]]),
      appeal(`originalIds with ${what}`, [["statement", "We own it."], ["originalIds", `reg_${value}`]]),
      decision(`reason with ${what}`, JSON.stringify({ outcome: "upheld", reason: `Copied. ${value}` })),
    ]),
    filing("NUL among comma-separated originalIds", { originalIds: `${t.originalId},reg_\u0000` }),
    filing("originalIds of 10 000 characters", { originalIds: "r".repeat(10_000) }),
    filing("21 originalIds", { originalIds: Array.from({ length: 21 }, () => t.originalId).join(",") }),
    filing("originalIds only commas", { originalIds: ",,," }),
    filing("originalIds with a space inside", { originalIds: "reg 1" }),
    filing("no originalIds", { originalIds: null }),
    filing("no listingId", { listingId: null }),
    filing("no statement", { statement: null }),
    filing("statement only spaces", { statement: "   " }),
    filing("statement of 5 001 characters", { statement: "x".repeat(5_001) }),
    filing("statement of 1 MB", { statement: "x".repeat(1024 * 1024) }),
    filing("listingId of 101 characters", { listingId: "l".repeat(101) }),
    filing("listingId unknown", { listingId: "lst_000000000000000000000000" }),
    filing("searchId unknown", { searchId: "srch_000000000000000000000000" }),
    filing("alertId of another organisation", { alertId: t.foreignAlertId }),
    filing("listingId twice", {}, [["listingId", t.listingId]]),
    filing("statement twice", {}, [["statement", "And again."]]),
    filing("alertId twice", { alertId: t.foreignAlertId }, [["alertId", t.foreignAlertId]]),
    filing("statement sent as a file", { statement: null }, [["statement", file("s.txt", Buffer.from("A statement"))]]),
    filing("originalIds sent as a file", { originalIds: null }, [["originalIds", file("ids.txt", Buffer.from(t.originalId))]]),
    filing("attachments sent as text", {}, [["attachments", "%PDF-1.4"]]),
    attachment("a JPEG named .pdf", file("cert.pdf", jpeg)),
    attachment("HTML named .pdf", file("cert.pdf", Buffer.from("<html><script>alert(1)</script></html>"))),
    attachment("a PDF header and garbage", file("cert.pdf", Buffer.from("%PDF-1.7\n" + "garbage ".repeat(100)))),
    attachment("a truncated PDF", file("cert.pdf", pdf.subarray(0, Math.floor(pdf.length / 2)))),
    attachment("an encrypted PDF", file("cert.pdf", encrypted)),
    attachment("empty", file("cert.pdf", Buffer.alloc(0))),
    attachment("over 10 MB", file("cert.pdf", Buffer.concat([pdf, Buffer.alloc(10 * 1024 * 1024)]))),
    attachment("named with NUL", file("cert\u0000.pdf", pdf)),
    attachment("named with C1 U+0085", file("cert\u0085.pdf", pdf)),
    filing("six attachments", {}, Array.from({ length: 6 }, (_, i): Part => ["attachments", file(`${i}.pdf`, pdf)])),
    { name: "complaint as JSON", as: "complainant", path: "/v1/complaints", body: { contentType: "application/json", text: JSON.stringify(valid) } },
    { name: "complaint urlencoded", as: "complainant", path: "/v1/complaints", body: { contentType: "application/x-www-form-urlencoded", text: new URLSearchParams(valid).toString() } },
    { name: "complaint multipart without a boundary", as: "complainant", path: "/v1/complaints", body: { contentType: "multipart/form-data", text: "--x\r\n\r\n--x--\r\n" } },
    { name: "complaint multipart never terminated", as: "complainant", path: "/v1/complaints", body: { contentType: "multipart/form-data; boundary=x", text: `--x\r\nContent-Disposition: form-data; name="statement"\r\n\r\nhello` } },
    { ...filing("filed by the listing's organisation against its own listing", {}), as: "respondent" },
    appeal("by the complainant", [["statement", "Mine."]], "complainant"),
    appeal("by a reviewer", [["statement", "Mine."]], "reviewer"),
    appeal("with no statement", []),
    appeal("statement twice", [["statement", "One."], ["statement", "Two."]]),
    appeal("statement of 5 001 characters", [["statement", "x".repeat(5_001)]]),
    appeal("originalIds of another organisation", [["statement", "Mine."], ["originalIds", t.originalId]]),
    appeal("with a JPEG attachment", [["statement", "Mine."], ["attachments", file("proof.pdf", jpeg)]]),
    appeal("with an encrypted attachment", [["statement", "Mine."], ["attachments", file("proof.pdf", encrypted)]]),
    { name: "appeal of an unknown complaint", as: "respondent", path: "/v1/complaints/cmp_000000000000000000000000/appeal", parts: [["statement", "Mine."]] },
    { name: "appeal with NUL in the path", as: "respondent", path: "/v1/complaints/cmp_%00/appeal", parts: [["statement", "Mine."]] },
    decision("outcome unknown", JSON.stringify({ outcome: "maybe", reason: "Unsure." })),
    decision("no reason", JSON.stringify({ outcome: "upheld" })),
    decision("reason only spaces", JSON.stringify({ outcome: "upheld", reason: "   " })),
    decision("reason of 5 001 characters", JSON.stringify({ outcome: "upheld", reason: "x".repeat(5_001) })),
    decision("reason a number", JSON.stringify({ outcome: "upheld", reason: 42 })),
    decision("not JSON", "{outcome: upheld"),
    decision("JSON nested 30 000 deep", nestedJson(30_000)),
    decision("by the complainant", JSON.stringify({ outcome: "upheld", reason: "Mine." }), "complainant"),
    decision("by the listing's organisation", JSON.stringify({ outcome: "rejected", reason: "Ours." }), "respondent"),
    { name: "decision on an unknown complaint", as: "reviewer", path: "/v1/complaints/cmp_000000000000000000000000/decision", body: { contentType: "application/json", text: '{"outcome":"upheld","reason":"x"}' } },
    { name: "withdrawal by the listing's organisation", as: "respondent", path: `/v1/complaints/${t.complaintId}/withdraw` },
    { name: "withdrawal by a reviewer", as: "reviewer", path: `/v1/complaints/${t.complaintId}/withdraw` },
    { name: "withdrawal of an unknown complaint", as: "complainant", path: "/v1/complaints/cmp_000000000000000000000000/withdraw" },
    ...["%00", "cmp_%00", "%1B%5B2J", "%C2%85", "x".repeat(101)].map((id): ComplaintCase => ({ name: `withdrawal of ${id.slice(0, 20)}`, as: "complainant", path: `/v1/complaints/${id}/withdraw` })),
  ];
}
