import { serve, type ServerType } from "@hono/node-server";
import { rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../src/config";
import { severityOf } from "../src/http/errors";
import { createImageFetcher } from "../src/net/fetch-image";
import { fetchPolicyOf } from "../src/net/fetch-policy";
import { capturingLogger, repeatedKeys } from "./helpers/logs";
import { localServer, type LocalTarget } from "./helpers/http-server";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";

/** The service over real HTTP (a socket, so client addresses are real), with small limits to reach. */
describe("an operator's signals and limits, over HTTP", () => {
  let svc: TestService;
  let server: ServerType;
  let base: string;
  const logs = capturingLogger();
  let seller: { apiKey: string };
  // An image server that answers 404, or too slowly: a client's URL that fails is the client's problem.
  let images: LocalTarget;

  beforeAll(async () => {
    images = await localServer((req, res) => (req.url === "/slow" ? undefined : void res.writeHead(404).end()));
    // The service's own policy, with that local origin exempt from the address checks (as in test/ssrf.test.ts).
    const policy = { ...fetchPolicyOf(configSchema.parse({}), 1024 * 1024), timeoutMs: 500, trustedOrigins: new Set([images.origin]) };
    svc = await startTestService(
      "pglite",
      { ANALYSIS_WORKERS: "1", ANALYSIS_QUEUE: "1", RATE_LIMIT_KEY_PER_MIN: "40", RATE_LIMIT_VERIFY_PER_MIN: "3" },
      { log: logs.log, fetchImage: createImageFetcher(policy) },
    );
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: svc.app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    seller = await svc.newSeller();
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await images?.close();
    // The last test closed the database already: close the rest (svc.stop would close the database twice).
    await svc.close();
    rmSync(svc.config.DATA_DIR, { recursive: true, force: true });
  });

  const post = (path: string, key: string, body: FormData | string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: "POST", headers: { authorization: `Bearer ${key}`, ...headers }, body });

  it("answers 503 overloaded with Retry-After past the analysis queue, and serves the rest", async () => {
    const image = fixture("aloe.webp");
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => post("/v1/listings", seller.apiKey, imageForm(image, { productId: `P${i}`, storeId: "s", storeCountry: "DE", category: "plants" }))),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(2);
    const refused = answers.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 201 || s === 503)).toBe(true);
    for (const r of refused) {
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect((await r.json()).error.code).toBe("overloaded");
    }
  });

  it("answers refused keys with 401, then 429 from the same address, even for a valid key", async () => {
    const statuses: number[] = [];
    for (let round = 0; round < 10; round++) {
      const batch = await Promise.all(
        Array.from({ length: 30 }, (_, i) => fetch(`${base}/v1/originals`, { headers: { authorization: `Bearer imp_wrong_${round}_${i}` } })),
      );
      statuses.push(...batch.map((r) => r.status));
    }
    expect(statuses.length).toBe(300);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20 + 30); // the budget, plus one batch in flight
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(200);
    const valid = await fetch(`${base}/v1/originals`, { headers: { authorization: `Bearer ${seller.apiKey}` } });
    expect(valid.status).toBe(429);
    expect(Number(valid.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await valid.json()).error.code).toBe("rate_limited");
  });

  it("limits each key, and verification per address", async () => {
    // A fresh address for this test: the previous one is blocked for refused keys. The app is in-process here,
    // so every request comes from the same 'unknown' address, apart from the sockets' loopback one above.
    const other = await svc.newSeller("Other");
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++) statuses.push((await svc.request("/v1/originals", { key: other.apiKey })).status);
    expect(statuses.slice(0, 40).every((s) => s === 200)).toBe(true);
    const refused = await svc.request("/v1/originals", { key: other.apiKey });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await refused.json()).error).toMatchObject({ code: "rate_limited" });

    const verify = () => svc.request("/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    const verdicts = [await verify(), await verify(), await verify(), await verify()];
    expect(verdicts.slice(0, 3).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(verdicts[3].status).toBe(429);
    expect(verdicts[3].headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("logs one JSON line per request with its id, route pattern, status and organisation, never a key", async () => {
    const res = await fetch(`${base}/v1/chain`, { headers: { "x-request-id": "trace-0123456789" } });
    expect(res.headers.get("x-request-id")).toBe("trace-0123456789");
    const generated = await fetch(`${base}/healthz`, { headers: { "x-request-id": "bad id with spaces" } });
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);

    const chainLine = logs.lines.find((l) => l.requestId === "trace-0123456789");
    expect(chainLine).toMatchObject({ msg: "request", method: "GET", route: "/v1/chain", status: 200 });
    expect(typeof chainLine!.ms).toBe("number");
    const listing = logs.lines.find((l) => l.msg === "request" && l.route === "/v1/listings" && l.status === 201);
    expect(listing).toMatchObject({ organisation: expect.stringMatching(/^acc_/), member: expect.any(String) });
    const all = JSON.stringify(logs.lines);
    expect(all).not.toContain(seller.apiKey);
    expect(all).not.toContain(ADMIN_KEY);
  });

  it("logs clients' mistakes and documented load shedding at info with their code, each key once", async () => {
    const client = await svc.newSeller("careless");
    const register = (url: string) =>
      svc.request("/v1/originals", { method: "POST", key: client.apiKey, body: imageForm(null, { url, productId: "P", category: "c", storeCountry: "DE" }) });
    const refusals = {
      url_not_allowed: await register("http://127.0.0.1:9/image.jpg"),
      fetch_failed: await register(`${images.origin}/missing.jpg`),
      fetch_timeout: await register(`${images.origin}/slow`),
      unsupported_media_type: await svc.request("/v1/originals", { method: "POST", key: client.apiKey, headers: { "content-type": "text/plain" }, body: "x" }),
    };
    const linesOf = (requestId: string | null) => logs.lines.filter((l) => l.requestId === requestId);
    for (const [code, res] of Object.entries(refusals)) {
      expect((await res.json()).error.code).toBe(code);
      const lines = linesOf(res.headers.get("x-request-id"));
      expect(lines.find((l) => l.msg === "request"), code).toMatchObject({ level: 30, code, status: res.status });
      expect(lines.map((l) => l.level), code).toEqual(lines.map(() => 30));
    }
    // The rule that refused, and the library's text, are still there for the operator, at info.
    expect(linesOf(refusals.url_not_allowed.headers.get("x-request-id"))).toContainEqual(expect.objectContaining({ level: 30, cause: "port 9" }));
    expect(linesOf(refusals.unsupported_media_type.headers.get("x-request-id"))).toContainEqual(expect.objectContaining({ msg: "request refused by the framework" }));

    // The earlier tests' 503 overloaded, 401 and 429 answers: info, with their code; nothing louder for them.
    const requestLines = logs.lines.filter((l) => l.msg === "request");
    for (const [status, code] of [[503, "overloaded"], [401, "unauthorized"], [429, "rate_limited"]] as const) {
      const refused = requestLines.filter((l) => l.status === status);
      expect(refused.length, code).toBeGreaterThan(0);
      expect(new Set(refused.map((l) => `${l.level} ${l.code}`)), code).toEqual(new Set([`30 ${code}`]));
    }
    // No request so far was an operator's problem.
    expect(logs.lines.filter((l) => l.requestId !== undefined && Number(l.level) >= 40)).toEqual([]);
    // Unexpected failures stay errors.
    expect(severityOf(500, "internal_error")).toBe("error");
    expect(severityOf(503, "chain_unavailable")).toBe("error");
    expect(severityOf(502, "chain_anchor_reverted")).toBe("error");

    // Each line names each key once (a child logger binding requestId, plus requestId passed again, wrote it twice).
    expect(logs.raw.map(repeatedKeys).filter((keys) => keys.length > 0)).toEqual([]);
  });

  it("serves Prometheus metrics to this host: latency per route pattern, pool, index, feature cache, batches, chain", async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/imprint_http_request_duration_seconds_count\{[^}]*method="POST",route="\/v1\/listings",status="201"\} \d+/);
    expect(text).toMatch(/imprint_http_request_duration_seconds_count\{[^}]*route="\/v1\/originals",status="429"\} \d+/);
    expect(text).toMatch(/imprint_analysis_queue_depth\{[^}]*\} 0/);
    // The one worker is idle or busy (a watch job's query views may hold it at this instant), never both or neither.
    const workers = (state: string) => Number(text.match(new RegExp(`imprint_analysis_workers\\{state="${state}"[^}]*\\} (\\d+)`))?.[1]);
    expect(workers("idle") + workers("busy")).toBe(1);
    expect(text).toMatch(/imprint_analysis_refused_total\{[^}]*\} [1-9]/);
    expect(text).toMatch(/imprint_index_ready\{[^}]*\} 1/);
    expect(text).toMatch(/imprint_index_images\{[^}]*\} [1-9]/);
    expect(text).toMatch(/imprint_feature_cache_bytes\{[^}]*\} \d+/);
    expect(text).toMatch(/imprint_feature_reads_total\{source="memory"[^}]*\} \d+/);
    expect(text).toMatch(/imprint_feature_reads_total\{source="database"[^}]*\} \d+/);
    expect(text).toMatch(/imprint_batches\{state="sealed"[^}]*\} 0/);
    expect(text).toMatch(/imprint_anchor_failures_total\{[^}]*\} 0/);
    expect(text).toMatch(/imprint_chain_reachable\{[^}]*\} 1/);
    expect(text).toContain("process_resident_memory_bytes");
    // Not from elsewhere without METRICS_TOKEN (in-process requests have no loopback socket).
    expect((await svc.request("/metrics")).status).toBe(403);
  });

  it("is ready with its database, chain and index, and not once its database is gone", async () => {
    const late = await svc.newSeller("late");
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, database: { ok: true }, chain: { reachable: true }, index: { state: "ready" } });
    await svc.database.close();
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ ready: false, database: { ok: false } });
    // An unexpected failure is an operator's error: the request line and the failure's own line at level 50.
    const failing = await svc.request("/v1/originals", { key: late.apiKey });
    expect(failing.status).toBe(500);
    const failed = logs.lines.filter((l) => l.requestId === failing.headers.get("x-request-id"));
    expect(failed).toEqual(expect.arrayContaining([expect.objectContaining({ level: 50, msg: "internal error" }), expect.objectContaining({ level: 50, msg: "request", code: "internal_error" })]));
    expect(logs.raw.map(repeatedKeys).filter((keys) => keys.length > 0)).toEqual([]);
  });
});
