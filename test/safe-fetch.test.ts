import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ImprintError } from "../src/core/errors";
import { createImageFetcher } from "../src/net/fetch-image";
import { isAllowedAddress, MAX_REDIRECTS, type FetchPolicy } from "../src/net/fetch-policy";
import { checkUrl, safeFetch } from "../src/net/safe-fetch";
import { localServer, type LocalTarget } from "./helpers/http-server";

/**
 * The fetch policy on its own. Workplace rule: nothing here may send a packet to a non-loopback address, so every
 * private or public address below must be refused before any connection: `net.Socket.prototype.connect` is
 * watched and must not be called for them.
 */
const policy = (over: Partial<FetchPolicy> = {}): FetchPolicy => ({
  allowPrivate: false,
  allowedPorts: new Set([80, 443]),
  maxRedirects: MAX_REDIRECTS,
  timeoutMs: 2_000,
  maxBytes: 1024,
  ...over,
});

async function codeOf(pending: Promise<unknown>): Promise<string> {
  try {
    await pending;
    return "ok";
  } catch (error) {
    if (error instanceof ImprintError) return error.code;
    throw error;
  }
}

describe("which addresses the fetch policy allows", () => {
  it("allows public unicast only, and refuses every non-public range ipaddr.js names", () => {
    for (const a of ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "2606:4700::1111"]) expect(isAllowedAddress(a, false), a).toBe(true);
    const refused = [
      "127.0.0.1", "127.8.9.10", "::1", "0.0.0.0", "::", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
      "169.254.169.254", "100.64.0.1", "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9", "240.0.0.1",
      "224.0.0.1", "239.255.255.250", "255.255.255.255", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1",
      "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:8.8.8.8", "64:ff9b::a00:1", "2002:a00:1::", "2001::1",
      "2001:db8::1", "::ffff:0:7f00:1", "::7f00:1", "::a00:1", "5f00::1", "100::1", "not an address",
    ];
    for (const a of refused) expect(isAllowedAddress(a, false), a).toBe(false);
  });

  it("with FETCH_ALLOW_PRIVATE allows private ranges but still never 'this host', broadcast or multicast", () => {
    for (const a of ["127.0.0.1", "10.0.0.1", "192.168.1.1", "::1", "fd00::1"]) expect(isAllowedAddress(a, true), a).toBe(true);
    for (const a of ["0.0.0.0", "::", "255.255.255.255", "224.0.0.1", "ff02::1"]) expect(isAllowedAddress(a, true), a).toBe(false);
    // The IPv4 address an IPv4-mapped one stands for is what the OS connects to: judged as that.
    for (const a of ["::ffff:0.0.0.0", "::ffff:255.255.255.255", "::ffff:224.0.0.1"]) expect(isAllowedAddress(a, true), a).toBe(false);
    for (const a of ["::ffff:127.0.0.1", "::ffff:10.0.0.1"]) expect([isAllowedAddress(a, true), isAllowedAddress(a, false)], a).toEqual([true, false]);
  });
});

describe("safeFetch", () => {
  let target: LocalTarget;
  const connect = vi.spyOn(net.Socket.prototype, "connect");
  beforeAll(async () => {
    target = await localServer((req, res) => {
      if (req.url === "/big") return void res.end(Buffer.alloc(4096));
      if (req.url === "/slow") return; // never answers
      if (req.url === "/missing") return void res.writeHead(404).end("no");
      res.setHeader("content-type", "text/plain");
      res.end(`${req.method} ${req.headers.host}`);
    });
  });
  afterAll(async () => {
    connect.mockRestore();
    await target.close();
  });
  afterEach(() => connect.mockClear());

  it("refuses private, reserved and mapped addresses before any connection or lookup, with one code", async () => {
    const resolve = vi.fn(async () => ["127.0.0.1"]);
    const urls = [
      "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/",
      "http://100.64.0.1/", "http://192.0.2.1/", "http://224.0.0.1/", "http://255.255.255.255/", "http://[fc00::1]/",
      "http://[fe80::1]/", "http://[::ffff:10.0.0.1]/", "http://[::ffff:192.168.0.1]/", "http://[64:ff9b::a00:1]/",
      "http://[2002:c0a8:101::]/", "http://[::10.0.0.1]/", "http://012.0.0.1/", "http://0xa000001/", "http://167772161/", "https://10.1/",
    ];
    for (const url of urls) expect(await codeOf(safeFetch(url, {}, policy({ resolve }))), url).toBe("url_not_allowed");
    expect(resolve).not.toHaveBeenCalled();
    expect(connect).not.toHaveBeenCalled();
  });

  it("refuses a name when any of its addresses is not public, before connecting", async () => {
    const answers: Record<string, string[]> = {
      "internal.test": ["10.1.2.3"],
      "mixed.test": ["8.8.8.8", "192.168.0.10"],
      "mapped.test": ["::ffff:127.0.0.1"],
      "metadata.test": ["169.254.169.254"],
    };
    const resolve = vi.fn(async (host: string) => answers[host] ?? []);
    for (const host of [...Object.keys(answers), "nothing.test"]) {
      expect(await codeOf(safeFetch(`http://${host}/`, {}, policy({ resolve }))), host).toBe("url_not_allowed");
    }
    expect(connect).not.toHaveBeenCalled();
  });

  it("refuses other schemes, credentials and ports that are not allowed", async () => {
    const allowPrivate = policy({ allowPrivate: true });
    for (const url of ["ftp://127.0.0.1/", "file:///etc/passwd", "gopher://127.0.0.1:70/_", "data:image/png;base64,AAAA", "javascript:alert(1)", `http://u:p@127.0.0.1:${target.port}/`]) {
      expect(await codeOf(safeFetch(url, {}, allowPrivate)), url).toBe("url_not_allowed");
    }
    expect(await codeOf(safeFetch(`${target.origin}/`, {}, allowPrivate))).toBe("url_not_allowed");
    expect(await codeOf(safeFetch("not a url", {}, allowPrivate))).toBe("invalid_url");
    expect(target.hits).toHaveLength(0);
    expect(connect).not.toHaveBeenCalled();
  });

  it("connects to the address it checked: a resolver that changes its answer afterwards is not asked again", async () => {
    // First answer 127.0.0.1 (where the target listens); any later answer points elsewhere (127.0.0.2, where
    // nothing listens). A fetch that re-resolved at connect time would fail; a pinned one reaches the target.
    let calls = 0;
    const resolve = vi.fn(async () => (calls++ === 0 ? ["127.0.0.1"] : ["127.0.0.2"]));
    const p = policy({ allowPrivate: true, allowedPorts: new Set([target.port]), resolve });
    const response = await safeFetch(`http://rebind.test:${target.port}/pinned`, {}, p);
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe(`GET rebind.test:${target.port}`);
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(connect).toHaveBeenCalled(); // the watch on connections works
  });

  it("bounds the body, the time, and never echoes an upstream status or port", async () => {
    const p = policy({ allowPrivate: true, allowedPorts: new Set([target.port]), timeoutMs: 300 });
    expect(await codeOf(safeFetch(`${target.origin}/big`, {}, p))).toBe("fetch_too_large");
    expect(await codeOf(createImageFetcher(p)(`${target.origin}/big`))).toBe("image_too_large");
    const started = Date.now();
    expect(await codeOf(safeFetch(`${target.origin}/slow`, {}, p))).toBe("fetch_timeout");
    expect(Date.now() - started).toBeLessThan(3_000);
    const missing = await createImageFetcher(p)(`${target.origin}/missing`).catch((e: ImprintError) => e);
    expect(missing).toBeInstanceOf(ImprintError);
    expect((missing as ImprintError).code).toBe("fetch_failed");
    expect((missing as ImprintError).message).not.toMatch(/404|\d{4,5}/);
  });
});

describe("checkUrl: a URL to fetch later (a webhook's), checked now by the same rules", () => {
  const connect = vi.spyOn(net.Socket.prototype, "connect");
  afterAll(() => connect.mockRestore());

  it("refuses what every fetch would refuse, without connecting", async () => {
    const answers: Record<string, string[]> = { "internal.test": ["10.1.2.3"], "mixed.test": ["8.8.8.8", "192.168.0.10"], "public.test": ["8.8.8.8"] };
    const p = policy({ resolve: async (host) => answers[host] ?? [] });
    for (const url of ["http://127.0.0.1/hook", "http://[::1]/hook", "http://0x7f000001/hook", "http://169.254.169.254/", "http://internal.test/hook", "http://mixed.test/hook", "http://public.test:9/hook", "ftp://public.test/hook", "http://u:p@public.test/hook"]) {
      expect(await codeOf(checkUrl(url, p)), url).toBe("url_not_allowed");
    }
    expect(await codeOf(checkUrl("http://public.test/hook", p))).toBe("ok");
    expect(await codeOf(checkUrl("https://8.8.8.8/hook", p))).toBe("ok");
    // With private addresses allowed, still never "this host" nor a port that is not allowed.
    const open = policy({ allowPrivate: true, allowedPorts: new Set([80, 8080]) });
    expect(await codeOf(checkUrl("http://127.0.0.1:8080/hook", open))).toBe("ok");
    expect(await codeOf(checkUrl("http://0.0.0.0:8080/hook", open))).toBe("url_not_allowed");
    expect(await codeOf(checkUrl("http://127.0.0.1:9/hook", open))).toBe("url_not_allowed");
    expect(connect).not.toHaveBeenCalled();
  });

  it("lets through a name that does not resolve now (each fetch resolves and checks it again), and a trusted origin", async () => {
    const p = policy({ resolve: async () => Promise.reject(new Error("ENOTFOUND")) });
    expect(await codeOf(checkUrl("https://not-yet.test/hook", p))).toBe("ok");
    expect(await codeOf(checkUrl("https://not-yet.test:9/hook", p))).toBe("url_not_allowed");
    const slow = policy({ timeoutMs: 100, resolve: () => new Promise(() => undefined) });
    expect(await codeOf(checkUrl("https://slow.test/hook", slow))).toBe("ok");
    expect(await codeOf(checkUrl("http://127.0.0.1:4000/hook", policy({ trustedOrigins: new Set(["http://127.0.0.1:4000"]) })))).toBe("ok");
    expect(connect).not.toHaveBeenCalled();
  });
});

describe("safeFetch redirects", () => {
  let target: LocalTarget;
  let redirector: LocalTarget;
  beforeAll(async () => {
    target = await localServer((req, res) => res.end(`${req.method} ${req.url}`));
    redirector = await localServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const status = Number(url.searchParams.get("status") ?? 302);
      const hops = Number(url.searchParams.get("hops") ?? 0);
      if (hops > 0) return void res.writeHead(status, { location: `/?status=${status}&hops=${hops - 1}` }).end();
      if (url.searchParams.has("to")) return void res.writeHead(status, { location: url.searchParams.get("to")! }).end();
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => res.end(`${req.method} ${body}`));
    });
  });
  afterAll(async () => {
    await target.close();
    await redirector.close();
  });
  /** Only the redirector itself is exempt from the checks; the target behind it is not. */
  const trusted = () => policy({ trustedOrigins: new Set([redirector.origin]) });

  it("follows at most 3 redirects", async () => {
    expect((await safeFetch(`${redirector.origin}/?hops=3`, {}, trusted())).status).toBe(200);
    expect(await codeOf(safeFetch(`${redirector.origin}/?hops=4`, {}, trusted()))).toBe("url_not_allowed");
  });

  it("re-checks every hop: a redirect to loopback is refused and the target never hit", async () => {
    for (const status of [301, 302, 303, 307, 308]) {
      for (const to of [`${target.origin}/x`, `http://localhost:${target.port}/x`, `http://0x7f000001:${target.port}/x`, `http://[::ffff:127.0.0.1]:${target.port}/x`]) {
        const url = `${redirector.origin}/?status=${status}&to=${encodeURIComponent(to)}`;
        expect(await codeOf(safeFetch(url, {}, trusted())), `${status} → ${to}`).toBe("url_not_allowed");
      }
    }
    expect(target.hits).toHaveLength(0);
  });

  it("does not hand credentials to another origin on a redirect", async () => {
    const p = policy({ trustedOrigins: new Set([redirector.origin, target.origin]) });
    const headers = { authorization: "Bearer secret", cookie: "s=1", "x-kept": "yes" };
    await safeFetch(`${redirector.origin}/?status=302&to=${encodeURIComponent(`${target.origin}/x`)}`, { headers }, p);
    expect(target.hits.at(-1)?.headers).toMatchObject({ "x-kept": "yes" });
    expect(target.hits.at(-1)?.headers).not.toHaveProperty("authorization");
    expect(target.hits.at(-1)?.headers).not.toHaveProperty("cookie");
    target.hits.length = 0;
  });

  it("turns a POST into a GET on 303 and repeats it with its body on 307 (what webhooks need)", async () => {
    const post = { method: "POST", headers: { "content-type": "text/plain" }, body: "payload" };
    expect((await safeFetch(`${redirector.origin}/?status=303&hops=1`, post, trusted())).body.toString()).toBe("GET ");
    expect((await safeFetch(`${redirector.origin}/?status=307&hops=1`, post, trusted())).body.toString()).toBe("POST payload");
  });
});
