/**
 * Watch-alert benchmark (a benchmark, not a test), on the embedded defaults (PGlite + anvil, the service's own job
 * runner and search index), at each library size of --ladder:
 *
 *   npm run bench:alerts -- [--ladder 10000,100000] [--images DIR] [--rate 5] [--seconds 60] [--burst 300]
 *
 * Library: N synthetic registered originals of 20 other organisations (random index descriptors, PDQ and pHash
 * by generate_series, as bench:search loads them), 100 synthetic originals with real feature blobs (planted), and
 * 20 real photos registered over HTTP by the watching organisation.
 * 1. Watch throughput: a burst of --burst synthetic listings (half edited copies of planted originals, half random)
 *    stored with their watch jobs at once; listings/s = burst ÷ the time the runner takes to drain them.
 * 2. Delay under load: real listings POSTed over HTTP at --rate per second for --seconds (half edited copies of the
 *    registered photos, half unrelated photos); for each copy, the time from its 201 (as the client saw it) and
 *    from its commit (the listing row's time) to its alert's creation.
 * DIR defaults to ../shared/datasets/photos-dev (relative to the repo root).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { and, count, eq, sql } from "drizzle-orm";
import sharp from "sharp";
import { configSchema } from "../src/config";
import { toHex } from "../src/core/hex";
import { openDatabase, type Db } from "../src/db/client";
import { writeTogether, type BuiltStatement } from "../src/db/write-together";
import { alerts, jobs, listings, members } from "../src/db/schema";
import type { Fingerprint } from "../src/imaging/fingerprint";
import { registerOriginal } from "../src/ledger/originals";
import { newListing } from "../src/library/listings";
import { INDEX_DESCRIPTORS } from "../src/matching/candidates";
import { DESCRIPTOR_BYTES } from "../src/matching/features";
import { serializeFeatures } from "../src/matching/serialize";
import { createLogger, silentLogger } from "../src/observability/logger";
import { startServices } from "../src/services";
import { watchStatements, WATCH_JOB } from "../src/use-cases/watch";
import { editedCopy, imageFeatures, randomFeatures, randomPdq, stream } from "./lib/synthetic";
import { serviceFlagsNote } from "./lib/service-flags";

const ROOT = resolve(__dirname, "..");
const { values } = parseArgs({
  options: {
    ladder: { type: "string", default: "10000,100000" },
    images: { type: "string", default: join(ROOT, "../shared/datasets/photos-dev") },
    rate: { type: "string", default: "5" },
    seconds: { type: "string", default: "60" },
    burst: { type: "string", default: "300" },
  },
});
const LADDER = values.ladder!.split(",").map(Number);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const BURST = Number(values.burst);
const PLANTED = 100;
const FILLER_ORGS = 20;
const REGISTERED_PHOTOS = 20;
const ADMIN_KEY = "imp_bench_admin_" + randomBytes(12).toString("hex");

const log = (line: string) => console.log(line);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1)) : "—");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fingerprint for synthetic images: only what the tables need (matching uses the features and the PDQ). */
function fakeFingerprint(seed: number, pdq: Uint8Array): Fingerprint {
  return {
    sha256: "0x" + randomBytes(32).toString("hex"),
    pdq: toHex(pdq),
    pdqQuality: 100,
    phash: BigInt(seed) & 0xffffffffn,
    width: 1024,
    height: 768,
    format: "jpeg",
    thumbnail: Buffer.from([0]),
  };
}

/** N registered originals of other organisations, by generate_series (no features: index descriptors and PDQ only). */
async function loadFiller(db: Db, n: number): Promise<void> {
  for (let k = 0; k < FILLER_ORGS; k++) {
    await db.execute(sql.raw(`insert into accounts (id, name, role) values ('acct_filler_${k}', 'filler', 'seller')`));
    await db.execute(sql.raw(`insert into members (id, account_id, name, role) values ('mem_filler_${k}', 'acct_filler_${k}', 'filler', 'owner')`));
  }
  const batch = 20_000;
  for (let a = 1; a <= n; a += batch) {
    const b = Math.min(n, a + batch - 1);
    await db.execute(
      sql.raw(`insert into images (id, kind, account_id, sha256, pdq, pdq_quality, phash, phash_0, phash_1, phash_2, phash_3,
          width, height, format, byte_size, thumbnail, features, index_descriptors)
        select 'img_f' || g, 'original', 'acct_filler_' || (g % ${FILLER_ORGS}), '0x' || encode(sha256(g::text::bytea), 'hex'),
          sha256(('pdq' || g)::bytea), 80, 0, 0, 0, 0, 0, 1024, 768, 'jpeg', 100000, '\\x00'::bytea, null,
          (select string_agg(sha512((g || '.' || i)::bytea), ''::bytea order by i) from generate_series(0, ${(INDEX_DESCRIPTORS * DESCRIPTOR_BYTES) / 64 - 1}) i)
        from generate_series(${a}, ${b}) g`),
    );
    await db.execute(
      sql.raw(`insert into originals (id, account_id, registered_by, image_id, product_id, category, store_country, sha256, registered_at_ms, leaf)
        select 'reg_f' || g, 'acct_filler_' || (g % ${FILLER_ORGS}), 'mem_filler_' || (g % ${FILLER_ORGS}), 'img_f' || g, 'F' || g, 'c', 'DE',
          '0x' || encode(sha256(g::text::bytea), 'hex'), 0, '0x00'
        from generate_series(${a}, ${b}) g`),
    );
  }
  await db.execute(sql.raw("analyze"));
}

async function jobsLeft(db: Db): Promise<number> {
  const [{ n }] = await db.select({ n: count() }).from(jobs).where(and(eq(jobs.kind, WATCH_JOB), eq(jobs.status, "queued")));
  return n;
}

async function drained(db: Db, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await jobsLeft(db)) > 0) {
    if (Date.now() > deadline) throw new Error("watch jobs did not drain");
    await sleep(50);
  }
}

/** Real photos: REGISTERED_PHOTOS to register (short side ≥ 600), the rest as unrelated listings. */
async function photos(dir: string) {
  const files = readdirSync(dir).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort();
  const registered: Buffer[] = [];
  const unrelated: Buffer[] = [];
  for (const f of files) {
    const bytes = readFileSync(join(dir, f));
    if (bytes.length > 4 * 2 ** 20) continue; // under MAX_UPLOAD_BYTES
    const { width = 0, height = 0 } = await sharp(bytes).metadata();
    if (registered.length < REGISTERED_PHOTOS && Math.min(width, height) >= 600) registered.push(bytes);
    else if (Math.min(width, height) >= 200) unrelated.push(bytes);
  }
  return { registered, unrelated };
}

async function runAt(n: number, corpus: Awaited<ReturnType<typeof photos>>) {
  const dataDir = mkdtempSync(join(tmpdir(), "imprint-bench-alerts-"));
  const config = configSchema.parse({ DATA_DIR: dataDir, IMPRINT_ADMIN_KEY: ADMIN_KEY, EMBEDDED_CHAIN_PORT: "0", LOG_LEVEL: "silent" });
  const database = await openDatabase({ engine: "pglite", dataDir: join(dataDir, "pglite") });
  const t0 = performance.now();
  await loadFiller(database.db, n);
  const loadS = (performance.now() - t0) / 1000;
  const services = await startServices(config, { database, startBatcher: false, log: process.env.BENCH_LOG ? createLogger({ level: "warn" }) : silentLogger });
  const server = serve({ fetch: services.app.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise((r) => server.once("listening", r));
  // Longer than any pause of this client between requests: a reused socket the server just closed resets a request.
  (server as import("node:http").Server).keepAliveTimeout = 120_000;
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const { db } = services.deps;
    const library = services.deps.library!;
    const t1 = performance.now();
    await library.whenLoaded();
    const indexS = (performance.now() - t1) / 1000;
    const account = async (name: string) => {
      const res = await fetch(`${base}/v1/accounts`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, body: JSON.stringify({ name }) });
      return (await res.json()) as { accountId: string; apiKey: string };
    };
    const brand = await account("brand");
    const store = await account("store");
    const ownerOf = async (accountId: string) =>
      (await db.select({ id: members.id }).from(members).where(and(eq(members.accountId, accountId), eq(members.role, "owner"))))[0].id;
    const brandOwner = await ownerOf(brand.accountId);
    const storeOwner = await ownerOf(store.accountId);

    // Planted synthetic originals of the brand (real feature blobs), registered through the ledger.
    const planted = Array.from({ length: PLANTED }, (_, j) => ({ ...imageFeatures(-1 - j), pdq: randomPdq(-1 - j) }));
    for (const [j, f] of planted.entries()) {
      await registerOriginal(db, {
        accountId: brand.accountId,
        registeredBy: brandOwner,
        fingerprint: fakeFingerprint(j, f.pdq.hash),
        byteSize: 1,
        features: serializeFeatures(f),
        productId: `PL${j}`,
        category: "c",
        storeCountry: "DE",
      });
    }
    // Real photos of the brand, over HTTP.
    for (const [i, bytes] of corpus.registered.entries()) {
      const form = new FormData();
      form.set("image", new Blob([new Uint8Array(bytes)]), "p");
      for (const [k, v] of Object.entries({ productId: `R${i}`, category: "c", storeCountry: "DE" })) form.set(k, v);
      const res = await fetch(`${base}/v1/originals`, { method: "POST", headers: { authorization: `Bearer ${brand.apiKey}` }, body: form });
      if (res.status !== 201) throw new Error(`registering photo ${i}: ${res.status}`);
    }
    await library.refresh();
    await drained(db);

    // 1. Burst of synthetic listings with their watch jobs.
    services.jobs.watch.wake();
    const burstCopies = Math.floor(BURST / 2);
    const burst: BuiltStatement[] = [];
    for (let i = 0; i < BURST; i++) {
      const r = stream(5_000_000 + i);
      const f = i < burstCopies ? editedCopy(planted[i % PLANTED], r) : randomFeatures(r, 500);
      const { listing, statements } = newListing(db, {
        accountId: store.accountId,
        listedBy: storeOwner,
        fingerprint: fakeFingerprint(i, randomPdq(6_000_000 + i).hash),
        byteSize: 1,
        features: serializeFeatures(f),
        productId: `B${i}`,
        storeId: "s",
        storeCountry: "PL",
        category: "c",
        listedAt: new Date(),
      });
      burst.push(...statements, ...watchStatements(db, listing.imageId));
    }
    // The whole burst commits at once, as it did in one transaction.
    await writeTogether(db, burst);
    const tb = performance.now();
    services.jobs.watch.wake();
    await drained(db);
    const burstS = (performance.now() - tb) / 1000;
    const burstAlerts = (await db.select({ id: alerts.id }).from(alerts).where(eq(alerts.accountId, brand.accountId))).length;

    // 2. Real listings over HTTP at RATE/s.
    const copies = await Promise.all(
      Array.from({ length: Math.ceil((RATE * SECONDS) / 2) }, (_, i) => {
        const src = corpus.registered[i % corpus.registered.length];
        const w = 420 + ((i * 37) % 300);
        return sharp(src).resize(w).jpeg({ quality: 60 + (i % 30) }).toBuffer();
      }),
    );
    const sent: { id: string; copy: boolean; at201: number; latencyMs: number }[] = [];
    const inFlight: Promise<void>[] = [];
    let refused = 0;
    const start = performance.now();
    const total = RATE * SECONDS;
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const copy = i % 2 === 0;
      const bytes = copy ? copies[i / 2] : corpus.unrelated[Math.floor(i / 2) % corpus.unrelated.length];
      const form = new FormData();
      form.set("image", new Blob([new Uint8Array(bytes)]), "l");
      for (const [k, v] of Object.entries({ productId: `H${i}`, storeId: "s", storeCountry: "PL", category: "c" })) form.set(k, v);
      const t = Date.now();
      // As a well-behaved client does: a 503 `overloaded` is retried after its Retry-After, and counted.
      const send = async (): Promise<void> => {
        const res = await fetch(`${base}/v1/listings`, { method: "POST", headers: { authorization: `Bearer ${store.apiKey}` }, body: form });
        const body = (await res.json()) as { id: string };
        if (res.status === 503) {
          refused += 1;
          await sleep(1000 * Number(res.headers.get("retry-after") ?? 1));
          return send();
        }
        if (res.status !== 201) throw new Error(`listing ${i}: ${res.status} ${JSON.stringify(body)}`);
        sent.push({ id: body.id, copy, at201: Date.now(), latencyMs: Date.now() - t });
      };
      inFlight.push(send());
    }
    await Promise.all(inFlight);
    const achievedRate = total / ((performance.now() - start) / 1000);
    await drained(db);
    const rows = await db
      .select({ matchId: alerts.matchId, createdAt: alerts.createdAt, listedAt: listings.createdAt })
      .from(alerts)
      .innerJoin(listings, eq(listings.id, alerts.matchId));
    const created = new Map(rows.map((a) => [a.matchId, a.createdAt.getTime()]));
    const committed = new Map(rows.map((a) => [a.matchId, a.listedAt.getTime()]));
    const alertedCopies = sent.filter((s) => s.copy && created.has(s.id));
    // Signed: an overloaded event loop can flush a 201 after the alert it led to was written.
    const delays = alertedCopies.map((s) => created.get(s.id)! - s.at201);
    const fromCommit = alertedCopies.map((s) => created.get(s.id)! - committed.get(s.id)!);
    const falseAlerts = sent.filter((s) => !s.copy && created.has(s.id)).length;
    const missed = sent.filter((s) => s.copy && !created.has(s.id)).length;
    return {
      n,
      loadS,
      indexS,
      burstRate: BURST / burstS,
      burstAlerts: `${burstAlerts}/${burstCopies}`,
      achievedRate,
      refused,
      listingP50: pct(sent.map((s) => s.latencyMs), 50),
      listingP99: pct(sent.map((s) => s.latencyMs), 99),
      delayP50: pct(delays, 50),
      delayP99: pct(delays, 99),
      delayMax: Math.max(...delays),
      commitP50: pct(fromCommit, 50),
      commitP99: pct(fromCommit, 99),
      alerted: `${delays.length}/${sent.filter((s) => s.copy).length}`,
      missed,
      falseAlerts,
      load: loadavg()[0],
    };
  } finally {
    await new Promise((r) => server.close(r));
    await services.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const corpus = await photos(resolve(ROOT, values.images!));
  log(`bench:alerts — ${new Date().toISOString()}, Node ${process.version}, ${serviceFlagsNote()}, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  log(`photos: ${corpus.registered.length} registered, ${corpus.unrelated.length} unrelated; stream ${RATE}/s for ${SECONDS} s; burst ${BURST}`);
  const rows = [];
  for (const n of LADDER) {
    const r = await runAt(n, corpus);
    log(JSON.stringify(r));
    rows.push(r);
  }
  log("\n| originals | watch path (burst) | burst alerts | HTTP listings/s | 503s retried | listing 201 p50 / p99 | 201 → alert p50 / p99 / max | commit → alert p50 / p99 | copies alerted | false alerts | load avg |");
  log("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    log(
      `| ${r.n.toLocaleString("en-US")} | ${fmt(r.burstRate)} listings/s | ${r.burstAlerts} | ${fmt(r.achievedRate)} | ${r.refused} | ${fmt(r.listingP50)} / ${fmt(r.listingP99)} ms | ` +
        `${fmt(r.delayP50)} / ${fmt(r.delayP99)} / ${fmt(r.delayMax)} ms | ${fmt(r.commitP50)} / ${fmt(r.commitP99)} ms | ${r.alerted} | ${r.falseAlerts} | ${r.load.toFixed(1)} |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
