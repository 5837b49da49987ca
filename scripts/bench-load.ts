/**
 * The service under load, as a client sees it:
 *
 *   npm run bench:load -- [--clients 50] [--seconds 60] [--database-url postgres://…] [--images DIR]
 *                         [--server-dir DIR] [--after 30]
 *
 * Starts the real server (`src/main.ts` of --server-dir, default this checkout) as a separate process on the
 * embedded defaults (PGlite + anvil in a temp DATA_DIR), or on PostgreSQL with --database-url (a throw-away
 * database is created there and dropped at the end). Then --clients clients, each with its own seller key and its
 * own client address (X-Forwarded-For, honoured because the server is started with TRUST_PROXY=true; a server
 * without that setting ignores it), loop for --seconds over a mix of registrations, listings, searches,
 * verifications and reads. A refused request (429/503) is retried after its Retry-After, at most 5 s later.
 *
 * Prints per route: throughput, p50/p99 of accepted answers, counts per status, refusals without Retry-After; then
 * the server's RSS before the load, at its peak and --after seconds after it, and whether every registration
 * answered 201 is readable afterwards. Photos come from DIR (default ../shared/datasets/photos-dev), else the
 * test fixtures; distinct uploads are made by adding a JPEG comment segment (same pixels, new bytes).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { analysisTaskTimes, serverMetrics, taskTimesBetween } from "./lib/analysis-task-times";
import { throwAwayDatabase } from "./lib/throw-away-database";
import { SERVICE_NODE_ARGS } from "../src/service-command";

const ROOT = resolve(__dirname, "..");
const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "50" },
    seconds: { type: "string", default: "60" },
    after: { type: "string", default: "30" },
    "database-url": { type: "string" },
    images: { type: "string", default: join(ROOT, "../shared/datasets/photos-dev") },
    "server-dir": { type: "string", default: ROOT },
  },
});
const CLIENTS = Number(values.clients);
const SECONDS = Number(values.seconds);
const AFTER_S = Number(values.after);
const SERVER_DIR = resolve(values["server-dir"]!);
const ADMIN_KEY = `imp_bench_${randomBytes(16).toString("hex")}`;
const REQUEST_TIMEOUT_MS = 60_000;
const MAX_RETRY_WAIT_MS = 5_000;

type Route = "register" | "listing" | "search" | "verify" | "list" | "get" | "evidence" | "thumbnail";
/** How often each operation is drawn (sums to 1). */
const MIX: [Route, number][] = [
  ["register", 0.15],
  ["listing", 0.1],
  ["search", 0.2],
  ["verify", 0.1],
  ["list", 0.15],
  ["get", 0.1],
  ["evidence", 0.1],
  ["thumbnail", 0.1],
];

interface Sample {
  route: Route;
  status: number | "timeout" | "error";
  ms: number;
  retryAfter: boolean;
}

interface Client {
  key: string;
  address: string;
  originals: { id: string; thumbnailUrl: string }[];
}

async function main() {
  const images = await loadImages(resolve(ROOT, values.images!));
  const dataDir = mkdtempSync(join(tmpdir(), "imprint-load-"));
  const database = values["database-url"] ? await throwAwayDatabase(values["database-url"], "imprint_load") : undefined;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = startServer(port, dataDir, database?.url);
  try {
    await waitFor(`${base}/healthz`, 120_000);
    console.log(`server ${SERVER_DIR} on ${database ? "PostgreSQL" : "PGlite"}, pid ${server.pid}; ${images.originals.length} original photos, ${images.queries.length} queries`);

    const clients = await setUp(base, images);
    const rss = { before: rssMb(server.pid!), peak: 0, after: 0 };
    const sampler = setInterval(() => (rss.peak = Math.max(rss.peak, rssMb(server.pid!))), 250);
    const samples: Sample[] = [];
    const written: { key: string; path: string }[] = [];
    const until = Date.now() + SECONDS * 1000;
    const started = performance.now();
    await Promise.all(clients.map((c, i) => drive(base, c, i, images, until, samples, written)));
    const elapsedS = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const signals = await serverSignals(base);
    await new Promise((r) => setTimeout(r, AFTER_S * 1000));
    rss.after = rssMb(server.pid!);

    report(samples, elapsedS, rss);
    if (signals) console.log(signals);
    const lost = await lostWrites(base, written);
    console.log(`\nwrites answered 201: ${written.length}; not readable afterwards: ${lost.length}${lost.length ? ` (${lost.slice(0, 5).join(", ")})` : ""}`);
  } finally {
    await stopServer(server);
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** JPEG originals (short side 640 px), JPEG listings and edited copies of originals as queries. */
async function loadImages(dir: string) {
  const files = existsSync(dir)
    ? readdirSync(dir).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).map((f) => join(dir, f))
    : readdirSync(join(ROOT, "test/fixtures/images/photos")).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).map((f) => join(ROOT, "test/fixtures/images/photos", f));
  const originals: Buffer[] = [];
  const listings: Buffer[] = [];
  const queries: Buffer[] = [];
  for (const file of files.slice(0, 120)) {
    const image = sharp(readFileSync(file)).rotate();
    const { width = 0, height = 0 } = await image.metadata();
    if (Math.min(width, height) >= 600) {
      const original = await image.clone().resize(640, 640, { fit: "outside", withoutEnlargement: true }).jpeg({ quality: 85 }).toBuffer();
      originals.push(original);
      const m = await sharp(original).metadata();
      const crop = { left: Math.round(m.width! * 0.08), top: Math.round(m.height! * 0.06), width: Math.round(m.width! * 0.85), height: Math.round(m.height! * 0.85) };
      queries.push(await sharp(original).extract(crop).jpeg({ quality: 70 }).toBuffer());
    } else if (Math.min(width, height) >= 200) {
      listings.push(await image.clone().jpeg({ quality: 85 }).toBuffer());
    }
  }
  if (!originals.length) throw new Error(`no photo of at least 600 px on its shorter side in ${dir}`);
  if (!listings.length) listings.push(...originals);
  return { originals, listings, queries };
}

/** The same JPEG with a random comment segment after SOI: identical pixels, a new SHA-256. */
function distinct(jpeg: Buffer): Buffer {
  const comment = Buffer.from(randomBytes(12).toString("hex"));
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(comment.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, comment, jpeg.subarray(2)]);
}

/** One seller per client, each with a few originals, and one anchored bundle to verify. */
async function setUp(base: string, images: Awaited<ReturnType<typeof loadImages>>): Promise<Client[]> {
  const clients: Client[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const res = await fetch(`${base}/v1/accounts`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ name: `load ${i}` }),
    });
    if (res.status !== 201) throw new Error(`creating seller ${i}: ${res.status} ${await res.text()}`);
    clients.push({ key: ((await res.json()) as { apiKey: string }).apiKey, address: `198.18.${i >> 8}.${i & 255}`, originals: [] });
  }
  for (const [i, c] of clients.entries()) {
    for (let k = 0; k < 2; k++) {
      const res = await send(base, c, "POST", "/v1/originals", registrationForm(images.originals[(i * 2 + k) % images.originals.length]));
      if (res.status !== 201) throw new Error(`setting up originals: ${res.status} ${await res.text()}`);
      const o = (await res.json()) as { id: string; thumbnailUrl: string };
      c.originals.push({ id: o.id, thumbnailUrl: o.thumbnailUrl });
    }
  }
  const anchored = await fetch(`${base}/v1/admin/anchor`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  if (anchored.status !== 200) throw new Error(`anchoring the set-up registrations: ${anchored.status}`);
  const evidence = await send(base, clients[0], "GET", `/v1/originals/${clients[0].originals[0].id}/evidence`);
  bundle = await evidence.text();
  return clients;
}

let bundle = "";

function registrationForm(jpeg: Buffer): FormData {
  const form = new FormData();
  form.set("image", new Blob([new Uint8Array(distinct(jpeg))]), "photo.jpg");
  form.set("productId", `SKU-${randomBytes(4).toString("hex")}`);
  form.set("category", "load");
  form.set("storeCountry", "DE");
  return form;
}

function send(base: string, c: Client, method: string, path: string, body?: FormData | string, keyed = true): Promise<Response> {
  const headers: Record<string, string> = { "x-forwarded-for": c.address };
  if (keyed) headers.authorization = `Bearer ${c.key}`;
  if (typeof body === "string") headers["content-type"] = "application/json";
  return fetch(`${base}${path}`, { method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
}

/** One client's loop until `until`: draw an operation, time it, honour Retry-After on a refusal. */
async function drive(base: string, c: Client, index: number, images: Awaited<ReturnType<typeof loadImages>>, until: number, samples: Sample[], written: { key: string; path: string }[]) {
  let n = index;
  while (Date.now() < until) {
    n += 1;
    const route = draw();
    const started = performance.now();
    let sample: Sample;
    try {
      const res = await operation(base, c, route, n, images);
      const body = await res.text();
      sample = { route, status: res.status, ms: performance.now() - started, retryAfter: res.headers.has("retry-after") };
      if (res.status === 201 && (route === "register" || route === "listing")) {
        const id = (JSON.parse(body) as { id: string }).id;
        written.push({ key: c.key, path: route === "register" ? `/v1/originals/${id}` : `/v1/listings/${id}` });
        if (route === "register") c.originals.push({ id, thumbnailUrl: (JSON.parse(body) as { thumbnailUrl: string }).thumbnailUrl });
      }
      if (res.status === 429 || res.status === 503) {
        const wait = Number(res.headers.get("retry-after") ?? 1) * 1000;
        samples.push(sample);
        await new Promise((r) => setTimeout(r, Math.min(MAX_RETRY_WAIT_MS, wait)));
        continue;
      }
    } catch (error) {
      const timeout = error instanceof Error && error.name === "TimeoutError";
      sample = { route, status: timeout ? "timeout" : "error", ms: performance.now() - started, retryAfter: false };
    }
    samples.push(sample);
  }
}

function draw(): Route {
  let r = Math.random();
  for (const [route, weight] of MIX) if ((r -= weight) < 0) return route;
  return MIX[MIX.length - 1][0];
}

function operation(base: string, c: Client, route: Route, n: number, images: Awaited<ReturnType<typeof loadImages>>): Promise<Response> {
  const own = c.originals[n % c.originals.length];
  switch (route) {
    case "register":
      return send(base, c, "POST", "/v1/originals", registrationForm(images.originals[n % images.originals.length]));
    case "listing": {
      const form = new FormData();
      form.set("image", new Blob([new Uint8Array(distinct(images.listings[n % images.listings.length]))]), "listing.jpg");
      for (const [k, v] of Object.entries({ productId: `L-${n}`, storeId: "shop", storeCountry: "FR", category: "load" })) form.set(k, v);
      return send(base, c, "POST", "/v1/listings", form);
    }
    case "search": {
      const form = new FormData();
      form.set("image", new Blob([new Uint8Array(images.queries[n % images.queries.length])]), "query.jpg");
      return send(base, c, "POST", "/v1/search", form);
    }
    case "verify": {
      // Half with the registered image (a decode), half the bundle alone (chain reads only); no key: a public route.
      if (n % 2) return send(base, c, "POST", "/v1/verify", bundle, false);
      const form = new FormData();
      form.set("bundle", bundle);
      form.set("image", new Blob([new Uint8Array(images.originals[0])]), "photo.jpg");
      return send(base, c, "POST", "/v1/verify", form, false);
    }
    case "list":
      return send(base, c, "GET", "/v1/originals?limit=20");
    case "get":
      return send(base, c, "GET", `/v1/originals/${own.id}`);
    case "evidence":
      return send(base, c, "GET", `/v1/originals/${own.id}/evidence`);
    case "thumbnail":
      return send(base, c, "GET", new URL(own.thumbnailUrl).pathname, undefined, false);
  }
}

function report(samples: Sample[], elapsedS: number, rss: { before: number; peak: number; after: number }) {
  const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN);
  const rows = [...MIX.map(([r]) => r), "all" as const].map((route) => {
    const mine = route === "all" ? samples : samples.filter((s) => s.route === route);
    const accepted = mine.filter((s) => typeof s.status === "number" && s.status < 400).map((s) => s.ms).sort((a, b) => a - b);
    const statuses = new Map<string, number>();
    for (const s of mine) statuses.set(String(s.status), (statuses.get(String(s.status)) ?? 0) + 1);
    const refusals = mine.filter((s) => s.status === 429 || s.status === 503);
    return {
      route,
      "req/s": (mine.length / elapsedS).toFixed(1),
      "accepted/s": (accepted.length / elapsedS).toFixed(1),
      "p50 ms": pct(accepted, 0.5).toFixed(0),
      "p99 ms": pct(accepted, 0.99).toFixed(0),
      statuses: [...statuses].sort().map(([s, k]) => `${s}:${k}`).join(" "),
      "refusals w/o Retry-After": refusals.filter((s) => !s.retryAfter).length,
    };
  });
  console.log(`\n${CLIENTS} clients for ${elapsedS.toFixed(1)} s`);
  console.table(rows);
  const fivexx = samples.filter((s) => typeof s.status === "number" && s.status >= 500 && s.status !== 503).length;
  const failed = samples.filter((s) => typeof s.status !== "number").length;
  console.log(`5xx other than 503: ${fivexx}; timeouts/connection errors: ${failed}`);
  console.log(`server RSS: before ${rss.before} MB, peak ${rss.peak} MB, ${AFTER_S} s after ${rss.after} MB (${(((rss.after - rss.before) / rss.before) * 100).toFixed(0)} % over before)`);
}

/** From the server's own metrics, when it has them: event-loop lag and where analysis time went. */
async function serverSignals(base: string): Promise<string | undefined> {
  const text = await serverMetrics(base).catch(() => undefined);
  if (text === undefined) return undefined;
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1]);
  // Since the server started: every task (uploads' analyses and the matcher's views).
  const tasks = taskTimesBetween(new Map(), analysisTaskTimes(text)).map((t) => `${t.task} waited ${t.waitedMs.toFixed(0)} ms, ran ${t.ranMs.toFixed(0)} ms`);
  return [
    `server event loop lag: p50 ${(value("nodejs_eventloop_lag_p50_seconds") * 1000).toFixed(0)} ms, p99 ${(value("nodejs_eventloop_lag_p99_seconds") * 1000).toFixed(0)} ms, max ${(value("nodejs_eventloop_lag_max_seconds") * 1000).toFixed(0)} ms`,
    `analysis (mean): ${tasks.join("; ")}`,
  ].join("\n");
}

/** Every registration or listing answered 201 must be readable by its owner afterwards. */
async function lostWrites(base: string, written: { key: string; path: string }[]): Promise<string[]> {
  const lost: string[] = [];
  for (const w of written) {
    for (;;) {
      const res = await fetch(`${base}${w.path}`, { headers: { authorization: `Bearer ${w.key}` } });
      await res.arrayBuffer();
      if (res.status === 429) {
        await new Promise((r) => setTimeout(r, Number(res.headers.get("retry-after") ?? 1) * 1000));
        continue;
      }
      if (res.status !== 200) lost.push(`${w.path}: ${res.status}`);
      break;
    }
  }
  return lost;
}

function startServer(port: number, dataDir: string, databaseUrl?: string): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    DATA_DIR: dataDir,
    EMBEDDED_CHAIN_PORT: "0",
    IMPRINT_ADMIN_KEY: ADMIN_KEY,
    TRUST_PROXY: "true",
    LOG_LEVEL: "warn",
  };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  // One process (no tsx CLI wrapper), so that its RSS is the server's, worker threads included.
  const child = spawn(process.execPath, [...SERVICE_NODE_ARGS], { cwd: SERVER_DIR, env, stdio: ["ignore", "ignore", "inherit"] });
  child.once("exit", (code, signal) => {
    if (!stopping) console.error(`the server exited early (code ${code}, signal ${signal})`);
  });
  return child;
}

let stopping = false;
async function stopServer(server: ChildProcess): Promise<void> {
  stopping = true;
  if (server.exitCode !== null) return;
  const exited = new Promise((r) => server.once("exit", r));
  server.kill("SIGTERM");
  const timer = setTimeout(() => server.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}

function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : 0;
  } catch {
    return 0;
  }
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolvePort(port));
    });
    s.once("error", reject);
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
