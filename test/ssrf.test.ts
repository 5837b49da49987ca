import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../src/config";
import { createImageFetcher } from "../src/net/fetch-image";
import { fetchPolicyOf } from "../src/net/fetch-policy";
import { listen, localServer, type LocalTarget } from "./helpers/http-server";
import { fixture, imageForm, startTestService, type TestService } from "./helpers/service";

/**
 * The SSRF matrix of issue 9 through the real HTTP server: 60 spellings of loopback (and of "this host") in the
 * `url` field of every route that fetches, and 301/302/303/307/308 redirects to them, against a local target that
 * answers with a valid image. The target must never be hit and every answer must be 400 `url_not_allowed`. The
 * allowed ports include the target's, so the address check alone is what refuses. Only loopback is ever contacted.
 */
const IMAGE = fixture("building.jpg");

/** Spellings of the target at `port` (IPv4 loopback) and `port6` (IPv6 loopback, when ::1 is available). */
function spellings(port: number, port6: number): string[] {
  const v4 = [
    "127.0.0.1", "localhost", "LOCALHOST", "LocalHost", "0x7f000001", "0X7F000001", "127.1", "127.0.1", "2130706433",
    "0177.0.0.1", "00000177.0.0.1", "0177.1", "017700000001", "0x7f.0.0.1", "0x7f.1", "0X7f.0X0.0X0.0X1",
    "0x00007f000001", "127.000.000.001", "127.0.0.01", "127.0.0.1.", "2130706433.", "127.2.3.4", "127.255.255.254",
    "①②⑦.⓪.⓪.①", "%31%32%37.0.0.1", "0.0.0.0", "0", "00", "0x0", "0.0.0.0.", "u:p@127.0.0.1", "example.com@127.0.0.1",
  ].map((h) => `http://${h}:${port}/image.jpg`);
  const v6 = [
    "[::1]", "[0:0:0:0:0:0:0:1]", "[0000:0000:0000:0000:0000:0000:0000:0001]", "[0::1]", "[::0:1]",
    "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::ffff:7f00:0001]", "[0:0:0:0:0:ffff:127.0.0.1]", "[::ffff:0:127.0.0.1]",
    "[64:ff9b::127.0.0.1]", "[2002:7f00:1::]", "[::127.0.0.1]", "[::]", "[::ffff:0.0.0.0]",
  ].map((h) => `http://${h}:${port6}/image.jpg`);
  const others = [
    `https://127.0.0.1:${port}/image.jpg`,
    `HTTP://127.0.0.1:${port}/image.jpg`,
    `http://127.0.0.1:000${port}/image.jpg`,
    `http://127.0.0.1:${port}/image.jpg#@example.com`,
    `http://127.0.0.1:${port}/image.jpg?next=@example.com`,
    `http://127.0.0.1:${port}\\@example.com/image.jpg`,
    `http://127.0.0.1:${port}/%2e%2e/image.jpg`,
    `ftp://127.0.0.1:${port}/image.jpg`,
    `file:///etc/passwd`,
    `gopher://127.0.0.1:${port}/_GET%20/image.jpg`,
    `data:image/jpeg;base64,${IMAGE.subarray(0, 64).toString("base64")}`,
    `javascript:alert(1)`,
    `ws://127.0.0.1:${port}/image.jpg`,
  ];
  return [...v4, ...v6, ...others];
}

describe("SSRF: every url field refuses loopback in every spelling, directly and through redirects", () => {
  let svc: TestService;
  let api: { url: string; close(): Promise<void> };
  let target: LocalTarget;
  let target6: { port: number; hits: number; close(): Promise<void> };
  let redirector: LocalTarget;
  let seller: { apiKey: string };
  let other: { apiKey: string };

  beforeAll(async () => {
    target = await localServer((_req, res) => res.writeHead(200, { "content-type": "image/jpeg" }).end(IMAGE));
    target6 = await ipv6Target();
    // Serves the image itself (the positive control) or redirects to ?to=… with ?status=….
    redirector = await localServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const to = url.searchParams.get("to");
      if (to) return void res.writeHead(Number(url.searchParams.get("status")), { location: to }).end();
      res.writeHead(200, { "content-type": "image/jpeg" }).end(IMAGE);
    });
    const env = { FETCH_ALLOWED_PORTS: `80,443,${target.port},${target6.port}` };
    // The redirector, and it alone, is exempt from the checks: it is on loopback too. The policy is the
    // service's own (FETCH_ALLOW_PRIVATE off), with that one origin added.
    const policy = { ...fetchPolicyOf(configSchema.parse(env), 5 * 1024 * 1024), trustedOrigins: new Set([redirector.origin]) };
    svc = await startTestService("pglite", env, { fetchImage: createImageFetcher(policy) });
    api = await listen(svc.app);
    seller = await svc.newSeller("brand");
    other = await svc.newSeller("other");
  });
  afterAll(async () => {
    await api?.close();
    await svc?.stop();
    await target?.close();
    await target6?.close();
    await redirector?.close();
  });

  const routes: { path: string; fields: Record<string, string> }[] = [
    { path: "/v1/originals", fields: { productId: "P", category: "shoes", storeCountry: "DE" } },
    { path: "/v1/listings", fields: { productId: "P", storeId: "S", category: "shoes", storeCountry: "DE" } },
    { path: "/v1/search", fields: {} },
  ];
  const post = async (path: string, fields: Record<string, string>, key = seller.apiKey) => {
    const res = await fetch(api.url + path, { method: "POST", headers: { authorization: `Bearer ${key}` }, body: imageForm(null, fields) });
    return { status: res.status, body: await res.json() };
  };

  it("the matrix is real: with private addresses allowed, the loopback spellings do reach the target", async () => {
    const list = spellings(target.port, target6.port);
    expect(list.length).toBeGreaterThanOrEqual(60);
    const open = createImageFetcher({ ...fetchPolicyOf(configSchema.parse({ FETCH_ALLOW_PRIVATE: "true", FETCH_ALLOWED_PORTS: `80,443,${target.port},${target6.port}` }), 5 * 1024 * 1024) });
    // Tried: the spellings of exactly the addresses the targets listen on (127.0.0.1, ::1), over http without
    // credentials. Never tried: the NAT64, 6to4 and IPv4-compatible forms, which are other addresses.
    const listening = new Set(["127.0.0.1", "localhost", ...(target6.port > 1 ? ["::1"] : [])]);
    const control = list.filter((url) => {
      if (!URL.canParse(url)) return false;
      const u = new URL(url);
      return u.protocol === "http:" && !u.username && listening.has(u.hostname.replace(/^\[(.*)\]$/, "$1"));
    });
    expect(control.length).toBeGreaterThanOrEqual(30);
    const unreached: string[] = [];
    for (const url of control) if (!(await open(url).then(() => true, () => false))) unreached.push(url);
    expect(unreached).toEqual([]);
    const reached = control.length;
    expect(target.hits.length + target6.hits).toBe(reached);
    target.hits.length = 0;
    target6.hits = 0;
  });

  it("refuses every spelling on register, listings and search with url_not_allowed, and never hits the target", async () => {
    const answers: string[] = [];
    for (const url of spellings(target.port, target6.port)) {
      for (const route of routes) {
        const { status, body } = await post(route.path, { ...route.fields, url });
        answers.push(`${status} ${body.error?.code}`);
        if (status !== 400 || body.error?.code !== "url_not_allowed") expect.fail(`${route.path} ${url} answered ${status} ${JSON.stringify(body)}`);
        expect(body.error.message).not.toContain(String(target.port));
      }
    }
    expect(new Set(answers)).toEqual(new Set(["400 url_not_allowed"]));
    expect(target.hits).toHaveLength(0);
    expect(target6.hits).toBe(0);
  });

  it("refuses 301/302/303/307/308 redirects to loopback on every route, and never hits the target", async () => {
    const targets = [
      `${target.origin}/image.jpg`,
      `http://localhost:${target.port}/image.jpg`,
      `http://0x7f000001:${target.port}/image.jpg`,
      `http://2130706433:${target.port}/image.jpg`,
      `http://[::ffff:127.0.0.1]:${target.port}/image.jpg`,
      `http://[::1]:${target6.port}/image.jpg`,
      `//127.1:${target.port}/image.jpg`,
    ];
    for (const status of [301, 302, 303, 307, 308]) {
      for (const to of targets) {
        for (const route of routes) {
          const url = `${redirector.origin}/?status=${status}&to=${encodeURIComponent(to)}`;
          const answer = await post(route.path, { ...route.fields, url });
          if (answer.status !== 400 || answer.body.error?.code !== "url_not_allowed") expect.fail(`${route.path} ${status} → ${to}: ${answer.status} ${JSON.stringify(answer.body)}`);
        }
      }
    }
    expect(target.hits).toHaveLength(0);
    expect(target6.hits).toBe(0);
  });

  it("refuses a webhook to every spelling when it is set, as each delivery would, and never hits the target", async () => {
    const put = async (url: string) => {
      const res = await fetch(`${api.url}/v1/webhook`, {
        method: "PUT",
        headers: { authorization: `Bearer ${seller.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ url, secret: "a-webhook-secret-of-enough-length" }),
      });
      return `${res.status} ${(await res.json()).error?.code}`;
    };
    const refusedByPolicy: string[] = [];
    for (const url of spellings(target.port, target6.port)) {
      const answer = await put(url);
      // What is not an http(s) URL without credentials is refused earlier, by the route's schema or the use case.
      if (!["400 url_not_allowed", "400 invalid_request", "400 invalid_url"].includes(answer)) expect.fail(`${url} answered ${answer}`);
      if (answer === "400 url_not_allowed") refusedByPolicy.push(url);
    }
    expect(refusedByPolicy.length).toBeGreaterThanOrEqual(40);
    expect(refusedByPolicy).toEqual(expect.arrayContaining([`${target.origin}/image.jpg`, `http://localhost:${target.port}/image.jpg`, `http://[::1]:${target6.port}/image.jpg`]));
    const settings = await (await fetch(`${api.url}/v1/settings`, { headers: { authorization: `Bearer ${seller.apiKey}` } })).json();
    expect(settings.webhook).toBeNull();
    expect(target.hits).toHaveLength(0);
    expect(target6.hits).toBe(0);
  });

  it("stored nothing for any refused URL", async () => {
    const mine = await (await fetch(`${api.url}/v1/originals`, { headers: { authorization: `Bearer ${seller.apiKey}` } })).json();
    expect(mine.items).toEqual([]);
  });

  it("shows a hit's source URL, query string and all, to its owner only", async () => {
    const url = `${redirector.origin}/image.jpg?signature=SECRET-TOKEN`;
    const listed = await post("/v1/listings", { ...routes[1].fields, url });
    expect(listed.status).toBe(201);
    const search = async (key: string) => {
      const res = await fetch(api.url + "/v1/search", { method: "POST", headers: { authorization: `Bearer ${key}` }, body: imageForm(IMAGE, {}) });
      return res.json();
    };
    const own = await search(seller.apiKey);
    expect(own.hits[0]).toMatchObject({ kind: "listing", originalUrl: url });
    const foreign = await search(other.apiKey);
    expect(foreign.hits[0].kind).toBe("listing");
    expect(foreign.hits[0]).not.toHaveProperty("originalUrl");
    expect(JSON.stringify(foreign)).not.toContain("SECRET-TOKEN");
    expect(JSON.stringify(foreign)).not.toContain(redirector.origin);
  });
});

/** The same image on [::1], when this machine has IPv6 loopback (hits counted; a stub when it has not). */
async function ipv6Target(): Promise<{ port: number; hits: number; close(): Promise<void> }> {
  const state = { port: 0, hits: 0, close: async () => undefined as void };
  const server = http.createServer((_req, res) => {
    state.hits++;
    res.writeHead(200, { "content-type": "image/jpeg" }).end(IMAGE);
  });
  const listening = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(0, "::1", () => resolve(true));
  });
  if (!listening) return { ...state, port: 1 };
  state.port = (server.address() as AddressInfo).port;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
