import { execFile } from "node:child_process";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WATCH_JOB } from "../src/use-cases/watch";
import { WEBHOOK_JOB } from "../src/webhooks/events";
import { engines } from "./helpers/databases";
import { jobsDrained } from "./helpers/jobs";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";

const SECRET = "whsec_0123456789abcdef";

/** HMAC-SHA256 by an independent implementation: the openssl command line. */
function opensslHmac(secret: string, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("openssl", ["dgst", "-sha256", "-hmac", secret], (error, stdout) =>
      error ? reject(error) : resolve(stdout.trim().split(/\s+/).at(-1)!),
    );
    child.stdin!.end(message);
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(engines)("webhooks on %s", (engine) => {
  let svc: TestService;
  let brand: { apiKey: string };
  let store: { apiKey: string };
  let receiver: Server | undefined;
  let port: number;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];

  const json = (method: string, path: string, key: string, body: unknown) =>
    svc.request(path, { method, key, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  beforeAll(async () => {
    // A port nothing listens on yet: the receiver is down.
    const probe = createServer().listen(0, "127.0.0.1");
    await new Promise((r) => probe.once("listening", r));
    port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    // Deliveries go through the fetch policy: this local receiver is allowed as on-premises ones are, by configuration.
    svc = await startTestService(engine, { JOB_POLL_MS: "100", WEBHOOK_RETRY_BASE_MS: "300", FETCH_ALLOW_PRIVATE: "true", FETCH_ALLOWED_PORTS: `80,443,${port}` });
    brand = await svc.newSeller("brand");
    store = await svc.newSeller("store");
  });
  afterAll(async () => {
    await svc?.stop();
    if (receiver) await new Promise((r) => receiver!.close(r));
  });

  it("is set by the owner with a URL and a secret that is never shown again", async () => {
    expect((await json("PUT", "/v1/webhook", brand.apiKey, { url: "ftp://example.com/x", secret: SECRET })).status).toBe(400);
    expect((await json("PUT", "/v1/webhook", brand.apiKey, { url: "https://example.com/x", secret: "short" })).status).toBe(400);
    expect((await json("PUT", "/v1/webhook", ADMIN_KEY, { url: "https://example.com/x", secret: SECRET })).status).toBe(403);
    // Refused when set, by the policy the deliveries are POSTed under, rather than accepted and retried for 24 h:
    // a port not allowed, and "this host" and broadcast, which no configuration allows.
    for (const url of ["http://127.0.0.1:9/hook", `http://0.0.0.0:${port}/hook`, `http://255.255.255.255:${port}/hook`]) {
      const refused = await json("PUT", "/v1/webhook", brand.apiKey, { url, secret: SECRET });
      expect({ url, status: refused.status, code: (await refused.json()).error?.code }).toEqual({ url, status: 400, code: "url_not_allowed" });
    }
    expect((await (await svc.request("/v1/settings", { key: brand.apiKey })).json()).webhook).toBeNull();
    // A name that does not resolve (yet) is not refused: each delivery resolves and checks it again.
    expect((await json("PUT", "/v1/webhook", brand.apiKey, { url: "https://receiver.invalid/hook", secret: SECRET })).status).toBe(200);
    const res = await json("PUT", "/v1/webhook", brand.apiKey, { url: `http://127.0.0.1:${port}/hook`, secret: SECRET });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ url: `http://127.0.0.1:${port}/hook`, updatedAt: expect.any(String) });
    const settings = await (await svc.request("/v1/settings", { key: brand.apiKey })).json();
    expect(JSON.stringify(settings)).not.toContain(SECRET);
  });

  it("delivers every alert exactly once, signed, to a receiver that was down and came back", async () => {
    for (const [name, productId] of [["aloe.webp", "P-aloe"], ["building.jpg", "P-building"]]) {
      const form = imageForm(fixture(name), { productId, category: "c", storeCountry: "DE" });
      expect((await svc.request("/v1/originals", { method: "POST", key: brand.apiKey, body: form })).status).toBe(201);
    }
    const copies = [
      await sharp(fixture("aloe.webp")).resize(500).jpeg({ quality: 70 }).toBuffer(),
      await sharp(fixture("building.jpg")).resize(500).jpeg({ quality: 70 }).toBuffer(),
      await sharp(fixture("aloe.webp")).resize(420).webp({ quality: 80 }).toBuffer(),
    ];
    for (const [i, bytes] of copies.entries()) {
      const form = imageForm(bytes, { productId: `L${i}`, storeId: "s", storeCountry: "PL", category: "c" });
      expect((await svc.request("/v1/listings", { method: "POST", key: store.apiKey, body: form })).status).toBe(201);
    }
    await jobsDrained(svc.deps.db, WATCH_JOB);
    const alerts = (await (await svc.request("/v1/alerts", { key: brand.apiKey })).json()).items;
    expect(alerts).toHaveLength(3);

    // Down: every event fails at least once, and the log says why in our words.
    const failed = await until("a failed attempt for each event", async () => {
      const { items } = await (await svc.request("/v1/webhook/deliveries", { key: brand.apiKey })).json();
      const events = new Set(items.filter((d: { outcome: string }) => d.outcome === "failed").map((d: { eventId: string }) => d.eventId));
      return events.size === 3 ? items : undefined;
    });
    expect(failed[0]).toMatchObject({ eventType: "alert.created", outcome: "failed", httpStatus: null, error: "the receiver could not be reached" });
    expect(failed[0].nextAttemptAt).not.toBeNull();

    // Up again.
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(204).end();
      });
    }).listen(port, "127.0.0.1");
    await until("three deliveries", async () => (received.length >= 3 ? true : undefined));
    await jobsDrained(svc.deps.db, WEBHOOK_JOB);
    await new Promise((r) => setTimeout(r, 1_000)); // several retry periods: nothing more may arrive

    const ids = received.map((r) => r.headers["imprint-event-id"]);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    for (const { headers, body } of received) {
      const event = JSON.parse(body);
      expect(event.id).toBe(headers["imprint-event-id"]);
      expect(event.type).toBe("alert.created");
      // Links in events start at PUBLIC_BASE_URL, else the listening address (a job has no request origin).
      const path = (alert: { match: { thumbnailUrl: string } }) => ({ ...alert, match: { ...alert.match, thumbnailUrl: new URL(alert.match.thumbnailUrl).pathname } });
      expect(event.data.match.thumbnailUrl).toMatch(/^http:\/\/127\.0\.0\.1:8787\//);
      expect(alerts.map(path)).toContainEqual(path(event.data));
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers["imprint-signature"]))!;
      expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(120);
      expect(v1).toBe(await opensslHmac(SECRET, `${t}.${body}`));
      expect(v1).not.toBe(await opensslHmac("another secret!!", `${t}.${body}`));
    }

    const { items } = await (await svc.request("/v1/webhook/deliveries?limit=100", { key: brand.apiKey })).json();
    const delivered = items.filter((d: { outcome: string }) => d.outcome === "delivered");
    expect(delivered.map((d: { eventId: string }) => d.eventId).sort()).toEqual([...ids].sort());
    expect(delivered.every((d: { httpStatus: number; attempt: number }) => d.httpStatus === 204 && d.attempt >= 2)).toBe(true);
    expect((await svc.request("/v1/webhook/deliveries", { key: ADMIN_KEY })).status).toBe(403);
  });
});
