import { count, getTableName, is, lt } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as schema from "../src/db/schema";
import { engines, type Engine } from "./helpers/databases";
import { listen } from "./helpers/http-server";
import { capturingLogger } from "./helpers/logs";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";
import {
  complaintCases,
  FIELD_CASES,
  hostileFiles,
  PATH_CASES,
  QUERY_CASES,
  strictDecodingFiles,
  VALID_FIELDS,
  verifyBodies,
  type ComplaintCase,
  type ComplaintTarget,
  type HostileFile,
  type UploadRoute,
} from "./hostile/corpus";
import { jobsDrained } from "./helpers/jobs";
import { WATCH_JOB } from "../src/use-cases/watch";
import { flatPng16 } from "./hostile/large-files";

/**
 * The hostile-input corpus (test/hostile/) through the real HTTP server (@hono/node-server on a free port, real
 * fetch) on both databases, against every upload route and verification. Every answer must be a 4xx in the error
 * shape with no library text in it; afterwards the process still serves, RSS has stayed bounded, and no table has
 * gained a row.
 */
const UPLOAD_ROUTES: UploadRoute[] = ["/v1/originals", "/v1/listings", "/v1/search"];
/** Library words that must never reach a client. */
const LIBRARY_TEXT = /vips|libpng|libjpeg|libwebp|sharp|postgres|pglite|drizzle|zlib|stack|\bat \S+ \(|TypeError|SyntaxError|Invalid (input|option)|Too (big|small):|expected \w+, received/i;
/**
 * The list routes but GET /v1/originals (the corpus's QUERY_CASES), with their largest `limit`. Their limits, a
 * hit's index and `signedAt` answer one sentence of ours, whatever is wrong with them.
 */
const LIST_ROUTES: [path: string, maxLimit: number][] = [
  ["/v1/audit", 200],
  ["/v1/alerts", 100],
  ["/v1/searches", 100],
  ["/v1/webhook/deliveries", 100],
  ["/v1/complaints", 100],
  ["/v1/originals", 100],
];
/** What z.coerce.number() read as a number ("0x3" as 3, " 3" as 3, "" as 0), and what it answered in zod's words. */
const BAD_WHOLE_NUMBERS = ["0x3", "1e1", "%203", "3%20", "5.0", "+5", "-1", "abc", "", "%EF%BC%95", "Infinity", "99999999999999999999", "9007199254740993"];
/** Valid signer and signature fields (by form only: a bad signedAt is refused before any is checked). */
const SIGNATURE_FIELDS = { signer: `0x${"1".repeat(40)}`, signature: `0x${"1".repeat(128)}1b` };
/** How far RSS may rise over the whole corpus (both engines' runs share the process). */
const RSS_BUDGET_MB = 400;

interface Answer {
  what: string;
  status: number;
  body: { error?: { code?: unknown; message?: unknown } };
}

async function answerOf(what: string, pending: Promise<Response>): Promise<Answer> {
  const res = await pending;
  const text = await res.text();
  let body: Answer["body"];
  try {
    body = JSON.parse(text);
  } catch {
    body = {};
  }
  expect(res.headers.get("x-request-id"), what).toBeTruthy();
  return { what, status: res.status, body };
}

/** The corpus's one rule: a 4xx in the error shape, in our words. */
function expectRefused(answer: Answer) {
  const { what, status, body } = answer;
  const summary = `${what}: ${status} ${JSON.stringify(body).slice(0, 300)}`;
  expect(status >= 400 && status < 500, summary).toBe(true);
  // A rate limit would answer before the input is even read: that tests nothing here.
  expect(status, summary).not.toBe(429);
  expect(typeof body.error?.code, summary).toBe("string");
  expect(typeof body.error?.message, summary).toBe("string");
  expect(String(body.error?.message), summary).not.toMatch(LIBRARY_TEXT);
}

/**
 * Rows per table, but for the audit log: it records every refused state-changing request on purpose (checked
 * apart: only refusals may have been added to it).
 */
async function rowCounts(svc: TestService): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of Object.values(schema)) {
    if (!is(table, PgTable) || table === schema.auditLog) continue;
    const [{ n }] = await svc.deps.db.select({ n: count() }).from(table);
    counts[getTableName(table)] = Number(n);
  }
  return counts;
}

/** Samples RSS every 20 ms; `stop()` gives the peak. */
function rssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  return { stop: () => (clearInterval(timer), Math.max(peak, process.memoryUsage().rss)) };
}

const mb = (bytes: number) => Math.round(bytes / 1e6);

/** A seller, a running server, and an anchored bundle to verify images against. */
/** Rate limits high enough for the whole corpus from one address and key within a minute. */
const NO_RATE_LIMITS = { RATE_LIMIT_KEY_PER_MIN: "100000", RATE_LIMIT_IP_PER_MIN: "100000", RATE_LIMIT_VERIFY_PER_MIN: "100000" };

async function hostileTarget(engine: Engine) {
  const svc = await startTestService(engine, NO_RATE_LIMITS);
  const api = await listen(svc.app);
  const seller = await svc.newSeller("target");
  const key = { authorization: `Bearer ${seller.apiKey}` };
  const registered = await fetch(`${api.url}/v1/originals`, { method: "POST", headers: key, body: imageForm(fixture("building.jpg"), VALID_FIELDS["/v1/originals"]) });
  expect(registered.status).toBe(201);
  const { id } = await registered.json();
  expect((await fetch(`${api.url}/v1/admin/anchor`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(200);
  const bundle = JSON.stringify(await (await fetch(`${api.url}/v1/originals/${id}/evidence`, { headers: key })).json());
  // The registration's watch runs out first: the corpus counts rows, and a job finishing midway would change them.
  await jobsDrained(svc.deps.db, WATCH_JOB);
  return { svc, api, key, bundle, originalId: id as string };
}

/**
 * The parties of a complaint the target filed: another organisation that listed a copy of the target's original,
 * and a reviewer. Their watch jobs are run out before the corpus counts rows.
 */
async function complaintParties(target: Awaited<ReturnType<typeof hostileTarget>>, originalId: string) {
  const { svc, api, key } = target;
  const respondent = await svc.newSeller("respondent");
  const copy = await fetch(`${api.url}/v1/listings`, {
    method: "POST",
    headers: { authorization: `Bearer ${respondent.apiKey}` },
    body: imageForm(fixture("building.jpg"), { ...VALID_FIELDS["/v1/listings"], productId: "COPY-1" }),
  });
  expect(copy.status).toBe(201);
  const listingId = (await copy.json()).id;
  const reviewer = await (await fetch(`${api.url}/v1/admin/reviewers`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, body: '{"name":"Reviewer"}' })).json();
  const filing = new FormData();
  for (const [k, v] of Object.entries({ listingId, originalIds: originalId, statement: "A copy of our photo." })) filing.set(k, v);
  const filed = await fetch(`${api.url}/v1/complaints`, { method: "POST", headers: key, body: filing });
  expect(filed.status).toBe(201);
  const complaintId = (await filed.json()).id;
  const alerts = (await (await fetch(`${api.url}/v1/alerts`, { headers: { authorization: `Bearer ${respondent.apiKey}` } })).json()).items;
  await jobsDrained(svc.deps.db, WATCH_JOB);
  const complaintTarget: ComplaintTarget = { listingId, originalId, complaintId, foreignAlertId: alerts[0].id };
  const keys: Record<ComplaintCase["as"], string> = { complainant: key.authorization, respondent: `Bearer ${respondent.apiKey}`, reviewer: `Bearer ${reviewer.apiKey}` };
  return { complaintTarget, keys };
}

function complaintRequest(url: string, keys: Record<ComplaintCase["as"], string>, c: ComplaintCase): Promise<Response> {
  const headers: Record<string, string> = { authorization: keys[c.as] };
  if (c.body) return fetch(url + c.path, { method: "POST", headers: { ...headers, "content-type": c.body.contentType }, body: c.body.text });
  const form = new FormData();
  for (const [name, value] of c.parts ?? []) {
    if (typeof value === "string") form.append(name, value);
    else form.append(name, new Blob([new Uint8Array(value.bytes)], { type: "application/pdf" }), value.filename);
  }
  return fetch(url + c.path, { method: "POST", headers, body: form });
}

const uploadImage = (url: string, key: Record<string, string>, route: UploadRoute, file: HostileFile) =>
  fetch(url + route, { method: "POST", headers: key, body: imageForm(file.bytes, VALID_FIELDS[route], file.name) });

const verifyImage = (url: string, bundle: string, file: HostileFile) => {
  const form = new FormData();
  form.set("bundle", bundle);
  form.set("image", new Blob([new Uint8Array(file.bytes)]), file.name);
  return fetch(`${url}/v1/verify`, { method: "POST", body: form });
};

/** A multipart body written by hand, for framing no FormData would produce. */
function rawMultipart(boundary: string, parts: string[], end = `--${boundary}--\r\n`): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("") + end, "latin1"));
}
const textPart = (name: string, value: string) => `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}`;
const filePart = (name: string, filename: string, value: string) =>
  `Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n${value}`;

/** Multipart and body abuse, for every upload route and verification. */
function bodyAbuse(maxUploadBytes: number): { name: string; contentType: string; body: Uint8Array<ArrayBuffer> | string | ReadableStream<Uint8Array> }[] {
  const fields = (route: UploadRoute) => Object.entries(VALID_FIELDS[route]).map(([k, v]) => textPart(k, v));
  const b = "hostileBoundary";
  return [
    { name: "multipart without a boundary", contentType: "multipart/form-data", body: rawMultipart(b, fields("/v1/originals")) },
    { name: "multipart with an empty boundary", contentType: "multipart/form-data; boundary=", body: rawMultipart(b, fields("/v1/originals")) },
    { name: "multipart with another boundary", contentType: "multipart/form-data; boundary=other", body: rawMultipart(b, fields("/v1/originals")) },
    { name: "multipart never terminated", contentType: `multipart/form-data; boundary=${b}`, body: rawMultipart(b, [filePart("image", "a.jpg", "\xff\xd8\xff")], "") },
    { name: "multipart part without headers", contentType: `multipart/form-data; boundary=${b}`, body: `--${b}\r\ngarbage\r\n--${b}--\r\n` },
    { name: "image sent as a text field", contentType: `multipart/form-data; boundary=${b}`, body: rawMultipart(b, [...fields("/v1/originals"), textPart("image", "\xff\xd8\xff\xe0")]) },
    {
      name: "productId sent as a file",
      contentType: `multipart/form-data; boundary=${b}`,
      body: rawMultipart(b, [filePart("productId", "p.txt", "SKU"), textPart("category", "shoes"), textPart("storeCountry", "DE"), filePart("image", "a.jpg", "\xff\xd8")]),
    },
    { name: "20 000 extra fields and no image", contentType: `multipart/form-data; boundary=${b}`, body: rawMultipart(b, Array.from({ length: 20_000 }, (_, i) => textPart(`f${i}`, "x"))) },
    { name: "a field name of 100 KB", contentType: `multipart/form-data; boundary=${b}`, body: rawMultipart(b, [textPart("n".repeat(100_000), "x")]) },
    {
      name: "a duplicated image part whose last copy is a GIF header",
      contentType: `multipart/form-data; boundary=${b}`,
      body: rawMultipart(b, [...fields("/v1/originals"), filePart("image", "a.jpg", fixture("building.jpg").toString("latin1")), filePart("image", "b.jpg", "GIF89a\x01\x00\x01\x00")]),
    },
    { name: "urlencoded instead of multipart", contentType: "application/x-www-form-urlencoded", body: "productId=a&category=b&storeCountry=DE&image=%FF%D8" },
    { name: "XML instead of multipart", contentType: "application/xml", body: "<image/>" },
    {
      name: "a chunked body over the limit, with no length",
      contentType: `multipart/form-data; boundary=${b}`,
      body: new Blob([new Uint8Array(rawMultipart(b, [filePart("image", "a.jpg", "\xff".repeat(maxUploadBytes + 128 * 1024))]))]).stream(),
    },
  ];
}

describe.each(engines)("the hostile-input corpus through the real HTTP server on %s", (engine) => {
  let target: Awaited<ReturnType<typeof hostileTarget>>;
  let before: Record<string, number>;
  /** Accepted requests in the audit log before the corpus. */
  let auditedBefore: number;
  let rssBefore: number;
  let sampler: ReturnType<typeof rssSampler>;
  let answered = 0;
  let parties: Awaited<ReturnType<typeof complaintParties>>;

  beforeAll(async () => {
    target = await hostileTarget(engine);
    parties = await complaintParties(target, target.originalId);
    before = await rowCounts(target.svc);
    auditedBefore = Number((await target.svc.deps.db.select({ n: count() }).from(schema.auditLog).where(lt(schema.auditLog.status, 400)))[0].n);
    rssBefore = process.memoryUsage().rss;
    sampler = rssSampler();
  });
  afterAll(async () => {
    await target?.api.close();
    await target?.svc.stop();
  });

  const refuse = async (what: string, pending: Promise<Response>) => {
    expectRefused(await answerOf(what, pending));
    answered++;
  };

  it("refuses every hostile file on register, listings, search and verify", async () => {
    const files = hostileFiles(target.svc.config.MAX_UPLOAD_BYTES);
    expect(files.length).toBeGreaterThanOrEqual(38);
    for (const file of files) {
      for (const route of UPLOAD_ROUTES) await refuse(`${route} ${file.name}`, uploadImage(target.api.url, target.key, route, file));
      if (file.refusedByVerify) await refuse(`verify ${file.name}`, verifyImage(target.api.url, target.bundle, file));
    }
  });

  it("refuses every hostile field with 400", async () => {
    expect(FIELD_CASES.length).toBeGreaterThanOrEqual(60);
    for (const c of FIELD_CASES) {
      const fields = { ...VALID_FIELDS[c.route], ...c.fields };
      // An image this target has not stored: a field that slipped through would be written, not deduplicated.
      const body = imageForm(c.noImage ? null : fixture("aloe.webp"), fields, "aloe.webp");
      const answer = await answerOf(`${c.route} ${c.name}`, fetch(target.api.url + c.route, { method: "POST", headers: target.key, body }));
      expectRefused(answer);
      expect(answer.status, answer.what).toBe(400);
      answered++;
    }
  });

  it("refuses hostile cursors and limits", async () => {
    for (const query of QUERY_CASES) {
      const answer = await answerOf(`GET /v1/originals?${query.slice(0, 60)}`, fetch(`${target.api.url}/v1/originals?${query}`, { headers: target.key }));
      expectRefused(answer);
      expect(answer.status, answer.what).toBe(400);
      answered++;
    }
  });

  it("refuses hostile limits of every list route, hit indexes and signedAt, each in one sentence of ours", async () => {
    const expectOurSentence = (answer: Answer, message: string) => {
      expectRefused(answer);
      expect({ what: answer.what, status: answer.status, error: answer.body.error }).toEqual({
        what: answer.what,
        status: 400,
        error: { code: "invalid_request", message, details: [{ path: message.split(":")[0], message: message.split(": ")[1] }] },
      });
      answered++;
    };
    for (const [path, max] of LIST_ROUTES) {
      for (const limit of [...BAD_WHOLE_NUMBERS, "0", String(max + 1)]) {
        const answer = await answerOf(`GET ${path}?limit=${limit}`, fetch(`${target.api.url}${path}?limit=${limit}`, { headers: target.key }));
        expectOurSentence(answer, `limit: must be a whole number from 1 to ${max}`);
      }
      // A repeated field arrives as two values: no one number.
      expectOurSentence(await answerOf(`GET ${path}?limit=1&limit=2`, fetch(`${target.api.url}${path}?limit=1&limit=2`, { headers: target.key })), `limit: must be a whole number from 1 to ${max}`);
    }
    for (const index of [...BAD_WHOLE_NUMBERS.filter((v) => v !== ""), "1001"]) {
      // Refused before the record is looked up: the id need not exist.
      const path = `/v1/searches/srch_000000000000000000000000/hits/${index}/match.png`;
      expectOurSentence(await answerOf(`GET ${path}`, fetch(target.api.url + path, { headers: target.key })), "index: must be a whole number from 0 to 1000");
    }
    for (const signedAt of [...BAD_WHOLE_NUMBERS.map(decodeURIComponent), " 1767225600", "1767225600.0"]) {
      const body = imageForm(fixture("aloe.webp"), { ...VALID_FIELDS["/v1/originals"], ...SIGNATURE_FIELDS, signedAt }, "aloe.webp");
      const answer = await answerOf(`POST /v1/originals signedAt ${JSON.stringify(signedAt)}`, fetch(`${target.api.url}/v1/originals`, { method: "POST", headers: target.key, body }));
      expectOurSentence(answer, `signedAt: must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`);
    }
    // A search's form fields, out of range or not numbers at all.
    for (const [field, value, message] of [
      ["threshold", "101", "threshold: must be a decimal number from 0 to 100, such as 85 or 92.5"],
      ["threshold", "1e2", "threshold: must be a decimal number from 0 to 100, such as 85 or 92.5"],
      ["limit", "51", "limit: must be a whole number from 1 to 50"],
      ["limit", "0x5", "limit: must be a whole number from 1 to 50"],
    ]) {
      const body = imageForm(fixture("aloe.webp"), { [field]: value }, "aloe.webp");
      expectOurSentence(await answerOf(`POST /v1/search ${field}=${value}`, fetch(`${target.api.url}/v1/search`, { method: "POST", headers: target.key, body })), message);
    }
  });

  it("refuses hostile ids in paths", async () => {
    for (const { method, path } of PATH_CASES) {
      await refuse(`${method} ${path.slice(0, 60)}`, fetch(target.api.url + path, { method, headers: target.key }));
    }
  });

  it("refuses JSON bombs and non-bundles on verify", async () => {
    for (const { name, body } of verifyBodies(target.svc.config.MAX_UPLOAD_BYTES)) {
      await refuse(`verify ${name}`, fetch(`${target.api.url}/v1/verify`, { method: "POST", headers: { "content-type": "application/json" }, body }));
    }
    const form = new FormData();
    form.set("bundle", new Blob([JSON.stringify({ pad: "x".repeat(1024 * 1024) })]), "bundle.json");
    await refuse("verify a 1 MB bundle file", fetch(`${target.api.url}/v1/verify`, { method: "POST", body: form }));
    await refuse("verify multipart without a bundle", fetch(`${target.api.url}/v1/verify`, { method: "POST", body: imageForm(fixture("building.jpg"), {}) }));
  });

  it("refuses multipart and body abuse on every upload route and verify", async () => {
    for (const route of [...UPLOAD_ROUTES, "/v1/verify"]) {
      for (const c of bodyAbuse(target.svc.config.MAX_UPLOAD_BYTES)) {
        const init: RequestInit & { duplex?: "half" } = { method: "POST", headers: { ...target.key, "content-type": c.contentType }, body: typeof c.body === "string" || c.body instanceof ReadableStream ? c.body : new Uint8Array(c.body) };
        if (c.body instanceof ReadableStream) init.duplex = "half";
        await refuse(`${route} ${c.name}`, fetch(target.api.url + route, init));
      }
    }
  });

  it("refuses hostile complaints, appeals, decisions and withdrawals", async () => {
    const cases = await complaintCases(parties.complaintTarget);
    expect(cases.length).toBeGreaterThanOrEqual(100);
    for (const c of cases) await refuse(`${c.name} (${c.as})`, complaintRequest(target.api.url, parties.keys, c));
    // The complaint is as it was filed: no step was taken, and the complainant can still withdraw it.
    const seen = await (await fetch(`${target.api.url}/v1/complaints/${parties.complaintTarget.complaintId}`, { headers: target.key })).json();
    expect(seen).toMatchObject({ status: "submitted", appeal: null, decision: null, attachments: [] });
    expect(seen.timeline).toHaveLength(1);
  });

  it("refuses control characters in JSON text fields too (accounts)", async () => {
    for (const name of ["a\u0000b", "\u001b[2J", "a\ud800b", "line\nbreak"]) {
      const answer = await answerOf(`account name ${JSON.stringify(name)}`, fetch(`${target.api.url}/v1/accounts`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ name }),
      }));
      expectRefused(answer);
      answered++;
    }
  });

  it("refuses JSON bodies that are not UTF-8, and calls a lone surrogate what it is (accounts)", async () => {
    const postAccount = (body: Uint8Array<ArrayBuffer> | string) =>
      fetch(`${target.api.url}/v1/accounts`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, body });
    // Each would otherwise be decoded to U+FFFD and stored as "�" (a CESU-8 surrogate is not UTF-8 either).
    const notUtf8: [what: string, bytes: number[]][] = [["\\xff\\xfe", [0xff, 0xfe]], ["an overlong '/'", [0xc0, 0xaf]], ["an encoded surrogate", [0xed, 0xa0, 0x80]], ["a truncated 3-byte sequence", [0xe4, 0xb8]]];
    for (const [what, bytes] of notUtf8) {
      const body = new Uint8Array(Buffer.concat([Buffer.from('{"name":"'), Buffer.from(bytes), Buffer.from('"}')]));
      const answer = await answerOf(`account name of bytes ${what}`, postAccount(body));
      expectRefused(answer);
      expect(answer.status, answer.what).toBe(400);
      expect(answer.body.error?.code, answer.what).toBe("malformed_body");
      answered++;
    }
    // Valid UTF-8 and valid JSON, but the escape makes a lone surrogate: not a control character, not text at all.
    const answer = await answerOf("account name of a lone surrogate escape", postAccount('{"name":"a\\ud800b"}'));
    expectRefused(answer);
    expect(answer.body.error?.code).toBe("invalid_request");
    expect(String(answer.body.error?.message)).toMatch(/name: must be valid Unicode text: a lone surrogate/);
    expect(String(answer.body.error?.message)).not.toMatch(/control/);
    answered++;
  });

  it("afterwards: the process serves, RSS stayed bounded, and nothing was written", async () => {
    const peak = sampler.stop();
    const after = process.memoryUsage().rss;
    console.log(`[hostile corpus, ${engine}] ${answered} answers; RSS before ${mb(rssBefore)} MB, peak ${mb(peak)} MB, after ${mb(after)} MB`);
    expect(answered).toBeGreaterThanOrEqual(300);
    expect(mb(peak - rssBefore)).toBeLessThan(RSS_BUDGET_MB);
    expect(await rowCounts(target.svc)).toEqual(before);
    const accepted = await target.svc.deps.db.select({ n: count() }).from(schema.auditLog).where(lt(schema.auditLog.status, 400));
    expect(Number(accepted[0].n)).toBe(auditedBefore);
    expect((await fetch(`${target.api.url}/healthz`)).status).toBe(200);
    const fine = await fetch(`${target.api.url}/v1/listings`, { method: "POST", headers: target.key, body: imageForm(fixture("building.jpg"), VALID_FIELDS["/v1/listings"]) });
    expect(fine.status).toBe(201);
  });
});

describe("what a hostile request learns: links and library text", () => {
  let svc: TestService;
  let api: { url: string; close(): Promise<void> };
  const logs = capturingLogger();
  beforeAll(async () => {
    svc = await startTestService("pglite", {}, { log: logs.log });
    api = await listen(svc.app);
  });

  it("sends a decoder's own text to the log with the request id, and the client only our sentence", async () => {
    const seller = await svc.newSeller("logs");
    const res = await fetch(`${api.url}/v1/originals`, {
      method: "POST",
      headers: { authorization: `Bearer ${seller.apiKey}` },
      body: imageForm(fixture("building.jpg").subarray(0, 5000), VALID_FIELDS["/v1/originals"]),
    });
    const requestId = res.headers.get("x-request-id");
    const body = await res.json();
    expect({ status: res.status, code: body.error.code }).toEqual({ status: 400, code: "invalid_image" });
    expect(JSON.stringify(body)).not.toMatch(LIBRARY_TEXT);
    const line = logs.lines.find((l) => l.requestId === requestId);
    expect(line).toMatchObject({ code: "invalid_image", path: "/v1/originals", cause: expect.stringMatching(/jpeg|vips/i) });
  });
  afterAll(async () => {
    await api?.close();
    await svc?.stop();
  });

  it("still accepts what strict parsing must not refuse: decimals, real codes, unicode, a listedAt within the skew", async () => {
    const seller = await svc.newSeller("fair");
    const key = { authorization: `Bearer ${seller.apiKey}` };
    const soon = new Date(Date.now() + 60_000).toISOString();
    const listing = await fetch(`${api.url}/v1/listings`, {
      method: "POST",
      headers: key,
      body: imageForm(fixture("aloe.webp"), { productId: "Schuh – Größe 42 👟", storeId: "店铺-1", category: "Chaussures", storeCountry: " gb ", listedAt: soon }, "a.webp"),
    });
    expect(listing.status).toBe(201);
    expect(await listing.json()).toMatchObject({ productId: "Schuh – Größe 42 👟", storeCountry: "GB" });
    const search = await fetch(`${api.url}/v1/search`, { method: "POST", headers: key, body: imageForm(fixture("aloe.webp"), { threshold: "92.5", limit: "50" }, "a.webp") });
    expect(search.status).toBe(200);
    expect((await search.json()).hits[0].similarity).toBe(100);
    // Whole numbers at both ends of their range, and a leading zero, which is still decimal digits.
    for (const [path, max] of LIST_ROUTES) {
      for (const limit of ["1", String(max), "007"]) expect((await fetch(`${api.url}${path}?limit=${limit}`, { headers: key })).status, `${path}?limit=${limit}`).toBe(200);
    }
  });

  it("uses http://HOST:PORT when PUBLIC_BASE_URL is unset, whatever Host the request names", async () => {
    const seller = await svc.newSeller("links");
    const form = imageForm(fixture("building.jpg"), VALID_FIELDS["/v1/originals"]);
    const request = new Request(`${api.url}/v1/originals`, { method: "POST", body: form });
    const body = Buffer.from(await request.arrayBuffer());
    // fetch() will not forge a Host header; node:http will.
    const answer = await new Promise<{ status: number; json: { thumbnailUrl: string; evidenceUrl: string } }>((resolve, reject) => {
      const req = http.request(`${api.url}/v1/originals`, {
        method: "POST",
        headers: { host: "evil.example", "x-forwarded-host": "evil.example", authorization: `Bearer ${seller.apiKey}`, "content-type": request.headers.get("content-type")! },
      });
      req.on("response", (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      });
      req.on("error", reject);
      req.end(body);
    });
    expect(answer.status).toBe(201);
    expect(answer.json.thumbnailUrl).toMatch(/^http:\/\/127\.0\.0\.1:8787\/v1\/images\//);
    expect(answer.json.evidenceUrl).toMatch(/^http:\/\/127\.0\.0\.1:8787\/v1\/originals\//);
    expect(JSON.stringify(answer.json)).not.toContain("evil.example");
  });
});

/**
 * Hostile images whose refusal (or low cost) comes from strict, bounded decoding in src/imaging (the matcher's
 * work, merged): a header that lies about the size, a corrupt scan, a 16-bit PNG of 6300².
 */
describe.each(engines)("hostile images that need strict decoding (src/imaging) on %s", (engine) => {
  let target: Awaited<ReturnType<typeof hostileTarget>>;
  let before: Record<string, number>;
  beforeAll(async () => {
    target = await hostileTarget(engine);
    before = await rowCounts(target.svc);
  });
  afterAll(async () => {
    await target?.api.close();
    await target?.svc.stop();
  });

  it("refuses a JPEG whose header lies about its size, and a JPEG with a corrupt scan, with 400 invalid_image", async () => {
    for (const file of strictDecodingFiles()) {
      for (const route of UPLOAD_ROUTES) {
        const answer = await answerOf(`${route} ${file.name}`, uploadImage(target.api.url, target.key, route, file));
        expectRefused(answer);
        expect(answer.body.error?.code, answer.what).toBe("invalid_image");
      }
      expectRefused(await answerOf(`verify ${file.name}`, verifyImage(target.api.url, target.bundle, file)));
    }
    expect(await rowCounts(target.svc)).toEqual(before);
  });

  it("spends under half a second of CPU on a 16-bit PNG of 6300² (~240 KB)", async () => {
    const file = { name: "flat-16bit-6300.png", bytes: await flatPng16(6300), refusedByVerify: true };
    for (const route of ["/v1/search", "/v1/originals"] as const) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const answer = await answerOf(`${route} ${file.name}`, uploadImage(target.api.url, target.key, route, file));
      expect(answer.status, answer.what).not.toBe(429);
      const used = process.cpuUsage(cpu);
      const cpuMs = (used.user + used.system) / 1000;
      console.log(`[16-bit PNG 6300², ${engine}] ${route}: ${Math.round(cpuMs)} ms CPU, ${Math.round(performance.now() - started)} ms wall`);
      expect(cpuMs, route).toBeLessThan(500);
    }
  });
});
