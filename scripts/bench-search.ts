/**
 * Search-scale benchmark (a benchmark, not a test): the robust query path with a library of N registrations,
 * against brute force measured in the same run.
 *
 *   npm run bench:search -- [--n 1000000] [--ladder 10000,100000] [--engines pglite,postgres] [--skip-db] [--skip-memory]
 *                           [--planted 200] [--random 200] [--index-options JSON (candidate-index options to try)]
 *                           [--pglite-dir DIR (keep the PGlite library there and reuse it in later runs with the same --n and --planted)]
 *
 * Synthetic images: random ORB-like descriptors, keypoints and PDQ hashes; planted near-duplicates are edited copies
 * (descriptors with 5–20 of 256 bits flipped, keypoints through a similarity transform with ±0.5 px jitter, ~30 % of
 * keypoints lost and replaced by new ones, every 4th one mirrored).
 *
 * 1. In memory, at each ladder size and N: the service's matcher (createMatcher: candidate index of the 64 strongest
 *    descriptors, PDQ multi-index, verification of the best candidates) with verification features regenerated on
 *    demand (what reading them from the database gives). Full query latency (excluding decode and ORB extraction) for
 *    planted copies and unrelated queries, recall, false positives, memory, and brute force per stored image × N.
 * 2. Through the database, at N, on PGlite (temp dataDir) and PostgreSQL (throw-away database): N images rows with
 *    index descriptors, PDQ and pHash (+ a listing each), the planted originals with real feature blobs. The service's
 *    LibraryIndex loads them (startup time, memory), then the same queries run end to end through the service's
 *    matcher, whose verification features come from the database by primary key. Also: exact-SHA lookup, pHash
 *    multi-index query and its SQL brute force.
 * 3. A markdown summary.
 */
import { randomBytes } from "node:crypto";
import { execSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { performance, PerformanceObserver } from "node:perf_hooks";
import v8 from "node:v8";
import vm from "node:vm";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { openDatabase, type Database, type Db } from "../src/db/client";
import { featureLoader } from "../src/library/images";
import { INDEX_DESCRIPTORS, type CandidateIndexOptions } from "../src/matching/candidates";
import { DESCRIPTOR_BYTES, type ImageFeatures } from "../src/matching/features";
import { createMatcher, STORED_KEYPOINTS, VERIFY_TOP, type FeatureLoader, type Matcher } from "../src/matching/matcher";
import { serializeFeatures } from "../src/matching/serialize";
import { verifyBoth } from "../src/matching/verify-pair";
import { LibraryIndex } from "../src/search/library-index";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

// ---------------------------------------------------------------- arguments
const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const flag = (name: string) => args.includes(`--${name}`);
const N = Number(arg("n", "1000000"));
const ENGINES = arg("engines", "pglite,postgres").split(",").filter(Boolean) as ("pglite" | "postgres")[];
const SKIP_DB = flag("skip-db");
const SKIP_MEMORY = flag("skip-memory");
const PGLITE_DIR = arg("pglite-dir", "");
const PLANTED = Number(arg("planted", "200"));
const RANDOM_QUERIES = Number(arg("random", "200"));
const INDEX_OPTIONS = JSON.parse(arg("index-options", "{}")) as CandidateIndexOptions;
const LADDER = [...new Set([...arg("ladder", "10000,100000").split(",").map(Number).filter((x) => x > 0 && x < N), N])];
const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

// ---------------------------------------------------------------- helpers
const W = 512, H = 384; // working-image size of the synthetic images
const QUERY_KEYPOINTS = 500; // what extractFeatures returns per orientation
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const ms = (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x < 1000 ? x.toFixed(1) : x.toFixed(0)) : "—");
const mb = (x: number) => `${(x / 2 ** 20).toFixed(0)} MB`;
const gb = (x: number) => `${(x / 2 ** 30).toFixed(2)} GB`;
/** Whole seconds, or "reused" for a library loaded by an earlier run (--pglite-dir). */
const seconds = (s: number) => (Number.isNaN(s) ? "reused" : `${s.toFixed(0)} s`);
const fmtN = (n: number) => (n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n));
function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i])).join(" | ")} |`;
  return [line(head), `|${w.map((x) => "-".repeat(x + 2)).join("|")}|`, ...rows.map((r) => line(r.map(String)))].join("\n");
}
const log = (s = "") => console.log(s);
const mem = () => {
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, ab: m.arrayBuffers };
};
const memStr = (m = mem()) => `rss ${mb(m.rss)}, heap ${mb(m.heap)}, arrayBuffers ${mb(m.ab)}`;

/**
 * Deterministic stream per seed (sfc32, 128-bit state seeded by splitmix32, int32 out): the same image number always
 * gives the same features. Not a 32-bit Weyl or linear generator: a million images × 512 draws from one 2^32 cycle
 * overlap, which plants exact duplicates, and linear generators make different images' descriptors XOR-related.
 */
function stream(seed: number): () => number {
  let z = seed | 0;
  const splitmix = () => {
    z = (z + 0x9e3779b9) | 0;
    let t = z ^ (z >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) | 0;
  };
  let a = splitmix(), b = splitmix(), c = splitmix(), d = splitmix();
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t;
  };
}
const rand01 = (r: () => number) => (r() >>> 0) / 4294967296;

/** Features of synthetic library image k: n random descriptors and keypoints (deterministic in k). */
function imageFeatures(k: number, n = STORED_KEYPOINTS): ImageFeatures {
  return randomFeatures(stream(k * 2 + 1), n);
}

function randomFeatures(r: () => number, n: number): ImageFeatures {
  const descriptors = new Uint8Array(n * 32);
  const w = new Int32Array(descriptors.buffer);
  for (let i = 0; i < w.length; i++) w[i] = r();
  const keypoints = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    keypoints[2 * i] = rand01(r) * W;
    keypoints[2 * i + 1] = rand01(r) * H;
  }
  return { width: W, height: H, keypoints, descriptors };
}

/**
 * An edited copy of `orig`: similarity transform (scale 0.8–1.25, rotation ±10°, shift ±20 px) with ±0.5 px
 * jitter, 5–20 flipped bits per descriptor, 30 % of keypoints lost, topped up to 500 with new random ones.
 */
function editedCopy(orig: ImageFeatures, r: () => number): ImageFeatures {
  const s = 0.8 + rand01(r) * 0.45, th = ((rand01(r) - 0.5) * 20 * Math.PI) / 180;
  const a = s * Math.cos(th), b = s * Math.sin(th);
  const tx = (rand01(r) - 0.5) * 40, ty = (rand01(r) - 0.5) * 40;
  const cx = W / 2, cy = H / 2;
  const n = orig.keypoints.length / 2;
  const kp: number[] = [], desc: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    if (rand01(r) < 0.3) continue;
    const x = orig.keypoints[2 * i] - cx, y = orig.keypoints[2 * i + 1] - cy;
    const qx = a * x - b * y + cx + tx + (rand01(r) - 0.5), qy = b * x + a * y + cy + ty + (rand01(r) - 0.5);
    if (qx < 0 || qy < 0 || qx >= W || qy >= H) continue;
    const d = orig.descriptors.slice(i * 32, i * 32 + 32);
    const flips = 5 + Math.floor(rand01(r) * 16);
    const bits = new Set<number>();
    while (bits.size < flips) bits.add(Math.floor(rand01(r) * 256));
    for (const bit of bits) d[bit >> 3] ^= 1 << (bit & 7);
    kp.push(qx, qy);
    desc.push(d);
  }
  const fill = randomFeatures(r, Math.max(0, QUERY_KEYPOINTS - desc.length));
  for (let i = 0; i < fill.keypoints.length / 2; i++) {
    kp.push(fill.keypoints[2 * i], fill.keypoints[2 * i + 1]);
    desc.push(fill.descriptors.subarray(i * 32, i * 32 + 32));
  }
  // Shuffle so that related keypoints are not all first.
  const order = kp.map((_, i) => i).filter((i) => i % 2 === 0).map((i) => i / 2);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand01(r) * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const keypoints = new Float32Array(order.length * 2), descriptors = new Uint8Array(order.length * 32);
  order.forEach((i, j) => {
    keypoints[2 * j] = kp[2 * i];
    keypoints[2 * j + 1] = kp[2 * i + 1];
    descriptors.set(desc[i], j * 32);
  });
  return { width: W, height: H, keypoints, descriptors };
}

// ---------------------------------------------------------------- shared query material
/** A random 32-byte PDQ hash of quality 100 (deterministic in the seed). */
function randomPdq(seed: number) {
  const r = stream(seed);
  const hash = new Uint8Array(32);
  new Int32Array(hash.buffer).forEach((_, i, a) => (a[i] = r()));
  return { hash, quality: 100 };
}
const plantedOrig = (j: number) => ({ ...imageFeatures(-1 - j), pdq: randomPdq(-1 - j) });
/** Library image k: the index keeps its first 64 descriptors (generated first, so they equal those of the full set). */
const libraryEntry = (k: number) => ({ descriptors: imageFeatures(k, INDEX_DESCRIPTORS).descriptors, pdq: randomPdq(k) });

const plantedQueries = Array.from({ length: PLANTED }, (_, j) => {
  const r = stream(7_000_000 + j);
  const copy = editedCopy(plantedOrig(j), r);
  const other = randomFeatures(r, QUERY_KEYPOINTS);
  const q: ImageFeatures = j % 4 === 3 ? { ...other, mirrored: copy } : { ...copy, mirrored: other };
  return { ...q, pdq: randomPdq(8_000_000 + j) };
});
const randomQueries = Array.from({ length: RANDOM_QUERIES }, (_, i) => {
  const r = stream(9_000_000 + i);
  return { ...randomFeatures(r, QUERY_KEYPOINTS), mirrored: randomFeatures(r, QUERY_KEYPOINTS), pdq: randomPdq(9_500_000 + i) };
});
/** Library position of planted image j. */
const plantedAt = (n: number) => new Map(Array.from({ length: PLANTED }, (_, j) => [Math.floor(((j + 0.5) * n) / PLANTED), j]));

interface QueryFigures {
  plantedMs: number[];
  randomMs: number[];
  /** Garbage-collection pause time inside each query (planted, then unrelated). */
  gcMs: number[];
  /** Time each query spent reading verification features (when the caller can tell). */
  readMs: number[];
  found: number;
  falsePositives: number;
}

/** Runs every planted and unrelated query through matcher.rank (after a warm-up), noting the GC pauses inside each. */
async function runQueries(matcher: Matcher, plantedId: (j: number) => string, readMsSoFar = () => 0): Promise<QueryFigures> {
  for (let i = 0; i < 5; i++) await matcher.rank(plantedQueries[i % PLANTED]);
  const pauses: { start: number; end: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  observer.observe({ entryTypes: ["gc"] });
  const spans: { start: number; end: number }[] = [];
  const f: QueryFigures = { plantedMs: [], randomMs: [], gcMs: [], readMs: [], found: 0, falsePositives: 0 };
  for (const [j, q] of plantedQueries.entries()) {
    const a = performance.now();
    const read = readMsSoFar();
    const hits = await matcher.rank(q);
    spans.push({ start: a, end: performance.now() });
    f.readMs.push(readMsSoFar() - read);
    f.plantedMs.push(performance.now() - a);
    if (hits[0]?.id === plantedId(j) && hits[0].similarity >= 85) f.found++;
  }
  for (const q of randomQueries) {
    const a = performance.now();
    const read = readMsSoFar();
    const hits = await matcher.rank(q);
    spans.push({ start: a, end: performance.now() });
    f.readMs.push(readMsSoFar() - read);
    f.randomMs.push(performance.now() - a);
    if (hits.some((h) => h.similarity >= 85)) f.falsePositives++;
  }
  await new Promise((resolve) => setImmediate(resolve)); // observer callbacks are delivered asynchronously
  observer.disconnect();
  f.gcMs = spans.map((q) => pauses.reduce((t, p) => t + Math.max(0, Math.min(q.end, p.end) - Math.max(q.start, p.start)), 0));
  return f;
}
const all = (f: QueryFigures) => [...f.plantedMs, ...f.randomMs];
const p5099 = (xs: number[]) => `${ms(pct(xs, 50))} / ${ms(pct(xs, 99))}`;
/** How much of the tail is garbage collection: queries over 25 ms, those with ≥ 5 ms of GC inside, p99 without it. */
function gcShare(f: QueryFigures): string {
  const times = all(f);
  const slow = times.filter((t) => t > 25).length;
  const slowWithGc = times.filter((t, i) => t > 25 && f.gcMs[i] >= 5).length;
  const slowReads = f.readMs.filter((_, i) => times[i] > 25);
  const reads = slowReads.length ? `, their feature reads median ${ms(pct(slowReads, 50))} / max ${ms(Math.max(...slowReads))} ms` : "";
  return `${slow} queries > 25 ms (${slowWithGc} with ≥ 5 ms of GC inside${reads}), p99 less in-query GC ${ms(pct(times.map((t, i) => t - f.gcMs[i]), 99))} ms`;
}

// ---------------------------------------------------------------- brute force
let bruteMsPerImage = NaN, bruteVerifyMsPerImage = NaN;

/** Votes of one image under exhaustive Hamming matching (stored descriptors within 48 bits of a query one). */
function votesBrute(q: Int32Array, o: Int32Array): number {
  let votes = 0;
  for (let p = 0; p < q.length; p += 8) {
    const q0 = q[p], q1 = q[p + 1], q2 = q[p + 2], q3 = q[p + 3], q4 = q[p + 4], q5 = q[p + 5], q6 = q[p + 6], q7 = q[p + 7];
    for (let r = 0; r < o.length; r += 8) {
      const d = pc(q0 ^ o[r]) + pc(q1 ^ o[r + 1]) + pc(q2 ^ o[r + 2]) + pc(q3 ^ o[r + 3]) + pc(q4 ^ o[r + 4]) + pc(q5 ^ o[r + 5]) + pc(q6 ^ o[r + 6]) + pc(q7 ^ o[r + 7]);
      if (d <= 48) {
        votes++;
        break;
      }
    }
  }
  return votes;
}
function pc(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/**
 * Brute force, timed per stored image on a sample (its cost per image does not depend on N), × N:
 *  (a) exhaustive descriptor voting: every query descriptor (normal + mirrored) against the 64 indexed descriptors of
 *      every image, a tight popcount loop — the work the index avoids (a lower bound for any brute force);
 *  (b) the library's verifyBoth (ratio-test matching + RANSAC, both orientations) against every image.
 */
function measureBruteForce(): void {
  const sample = 300, qs = [plantedQueries[0], randomQueries[0]];
  const words = (d: Uint8Array) => new Int32Array(d.buffer, d.byteOffset, d.length >>> 2);
  const stored = Array.from({ length: sample }, (_, k) => words(libraryEntry(k).descriptors));
  let sink = 0;
  const scan = () => {
    for (const q of qs) for (const f of [q, q.mirrored!]) for (const w of stored) sink += votesBrute(words(f.descriptors), w);
  };
  scan();
  let a = performance.now();
  scan();
  bruteMsPerImage = (performance.now() - a) / (qs.length * sample);
  const originals = Array.from({ length: 100 }, (_, k) => imageFeatures(k));
  for (const q of qs) verifyBoth(q, originals[0]);
  a = performance.now();
  for (const q of qs) for (const o of originals) verifyBoth(q, o);
  bruteVerifyMsPerImage = (performance.now() - a) / (qs.length * originals.length);
  log(`  brute force per stored image: exhaustive Hamming vote ${bruteMsPerImage.toFixed(4)} ms, verifyBoth ${bruteVerifyMsPerImage.toFixed(3)} ms [${sink & 1}]`);
}

// ---------------------------------------------------------------- part 1: in memory
interface MemoryRow {
  n: number;
  buildS: number;
  indexBytes: number;
  rss: number;
  q: QueryFigures;
  voteMs: number[];
}

async function memoryBench(n: number): Promise<MemoryRow> {
  gc();
  const rss0 = process.memoryUsage().rss;
  const at = plantedAt(n);
  const regenerate: FeatureLoader = async (ids) =>
    new Map(ids.map((id) => [id, id.startsWith("p") ? plantedOrig(Number(id.slice(1))) : imageFeatures(Number(id.slice(1)))]));
  const matcher = createMatcher({ loadFeatures: regenerate, index: { expectedImages: n, ...INDEX_OPTIONS } });
  const t0 = performance.now();
  let lastLog = t0;
  for (let k = 0; k < n; k++) {
    const j = at.get(k);
    if (j === undefined) matcher.add(`i${k}`, libraryEntry(k));
    else matcher.add(`p${j}`, plantedOrig(j));
    if (performance.now() - lastLog > 30_000) {
      lastLog = performance.now();
      log(`    … ${k + 1} added in ${((lastLog - t0) / 1000).toFixed(0)} s (rss ${mb(process.memoryUsage().rss)})`);
    }
  }
  const buildS = (performance.now() - t0) / 1000;
  gc();
  const rss = process.memoryUsage().rss - rss0;
  const q = await runQueries(matcher, (j) => `p${j}`);
  // Probing alone: a filter that accepts nothing leaves the index and PDQ lookups and skips verification.
  const voteMs: number[] = [];
  for (const pq of plantedQueries.slice(0, 50)) {
    const a = performance.now();
    await matcher.rank(pq, () => false);
    voteMs.push(performance.now() - a);
  }
  const row = { n, buildS, indexBytes: matcher.memoryBytes(), rss, q, voteMs };
  log(
    `  N=${fmtN(n)}: build ${buildS.toFixed(1)} s, index ${mb(row.indexBytes)} (${(row.indexBytes / n).toFixed(0)} B/img), Δrss ${mb(rss)}; ` +
      `planted p50/p99 ${p5099(q.plantedMs)} ms, unrelated ${p5099(q.randomMs)} ms, all ${p5099(all(q))} ms; ${gcShare(q)}; ` +
      `index + PDQ probing alone p50 ${ms(pct(voteMs, 50))} ms; recall ${q.found}/${PLANTED}, false positives ≥85 ${q.falsePositives}/${RANDOM_QUERIES}`,
  );
  return row;
}
async function rows(db: Db, q: ReturnType<typeof sql>): Promise<Record<string, unknown>[]> {
  const r = (await db.execute(q)) as unknown;
  return Array.isArray(r) ? (r as Record<string, unknown>[]) : ((r as { rows: Record<string, unknown>[] }).rows);
}

const PHASH_SQL = `('x' || substr(md5(g::text), 1, 16))::bit(64)::bigint`;
/** The planted rows: every (N / PLANTED)-th seq. */
const plantedSeqs = (n: number) => Array.from({ length: PLANTED }, (_, j) => Math.floor(((j + 0.5) * n) / PLANTED) + 1);

function chunks(u: bigint): number[] {
  return [48n, 32n, 16n, 0n].map((s) => Number((u >> s) & 0xffffn));
}
function ball(c: number, radius: number): number[] {
  const out = [c];
  if (radius >= 1) for (let i = 0; i < 16; i++) out.push(c ^ (1 << i));
  if (radius >= 2) for (let i = 0; i < 16; i++) for (let j = i + 1; j < 16; j++) out.push(c ^ (1 << i) ^ (1 << j));
  return out;
}


// ---------------------------------------------------------------- part 2: through the database
interface DbRow {
  engine: string;
  n: number;
  loadS: number;
  sizeBytes: number;
  libLoadS: number;
  libRss: number;
  indexBytes: number;
  q: QueryFigures;
  fetchMs: number[];
  sha: number[];
  mih2: number[];
  brute: number[];
  mihRecall: string;
  bruteRecall: string;
}

/** Fills an empty library database with n synthetic images (see the header); returns the seconds it took. */
async function loadLibrary(db: Db, engine: "pglite" | "postgres", n: number): Promise<number> {
  await rows(db, sql`insert into accounts (id, name, role) values ('acct_bench', 'bench', 'seller')`);
  await rows(db, sql`insert into members (id, account_id, name, role) values ('mem_bench', 'acct_bench', 'bench', 'owner')`);
  // Rows by generate_series: pHash = md5 of the seq, PDQ = sha256 of it, 64 index descriptors = 32 sha512s
  // (2 KB, as the service stores), features NULL; a listing per image so that the index admits it.
  const batch = 20_000;
  const t0 = performance.now();
  let lastLog = t0;
  for (let a = 1; a <= n; a += batch) {
    const b = Math.min(n, a + batch - 1);
    await rows(
      db,
      sql.raw(`insert into images (id, kind, account_id, sha256, pdq, pdq_quality, phash, phash_0, phash_1, phash_2, phash_3,
          width, height, format, byte_size, thumbnail, features, index_descriptors)
        select 'img_' || g, 'listing', 'acct_bench', encode(sha256(g::text::bytea), 'hex'), sha256(('pdq' || g)::bytea), 80, h,
          ((h >> 48) & 65535)::int, ((h >> 32) & 65535)::int, ((h >> 16) & 65535)::int, (h & 65535)::int,
          1024, 768, 'jpeg', 100000, '\\x00'::bytea, null,
          (select string_agg(sha512((g || '.' || i)::bytea), ''::bytea order by i) from generate_series(0, ${(INDEX_DESCRIPTORS * DESCRIPTOR_BYTES) / 64 - 1}) i)
        from (select g, ${PHASH_SQL} as h from generate_series(${a}, ${b}) g) s`),
    );
    await rows(
      db,
      sql.raw(`insert into listings (id, account_id, listed_by, image_id, product_id, category, store_country, store_id, listed_at)
        select 'lst_' || g, 'acct_bench', 'mem_bench', 'img_' || g, 'P' || g, 'cat' || (g % 7), 'DE', 'store', now() from generate_series(${a}, ${b}) g`),
    );
    if (performance.now() - lastLog > 30_000) {
      lastLog = performance.now();
      log(`    … ${engine}: ${b} rows in ${((lastLog - t0) / 1000).toFixed(0)} s`);
    }
  }
  // The planted originals get real features (as registration stores them) and their PDQ.
  for (const [j, seq] of plantedSeqs(n).entries()) {
    const f = plantedOrig(j);
    const blob = serializeFeatures(f);
    const lead = Buffer.from(f.descriptors.subarray(0, INDEX_DESCRIPTORS * DESCRIPTOR_BYTES));
    await rows(db, sql`update images set features = ${blob}, index_descriptors = ${lead}, pdq = ${Buffer.from(f.pdq.hash)} where seq = ${seq}`);
  }
  const loadS = (performance.now() - t0) / 1000;
  // A library that grew to 1 M over months has been vacuumed; without this, PostgreSQL's autovacuum works
  // through the freshly loaded table while the queries run (PGlite has no autovacuum).
  await rows(db, sql.raw(engine === "postgres" ? `vacuum (analyze)` : `analyze`));
  return loadS;
}

async function dbBench(engine: "pglite" | "postgres", n: number): Promise<DbRow> {
  let database: Database | undefined, dataDir: string | undefined, dbName: string | undefined;
  let library: LibraryIndex | undefined;
  const admin = engine === "postgres" ? postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} }) : undefined;
  cleanups.push(async () => {
    await library?.stop();
    await database?.close().catch(() => {});
    database = undefined;
    if (dataDir && !PGLITE_DIR) rmSync(dataDir, { recursive: true, force: true });
    if (admin && dbName) await admin.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => {});
    await admin?.end({ timeout: 5 }).catch(() => {});
  });
  if (engine === "pglite") {
    dataDir = PGLITE_DIR || mkdtempSync(join(os.tmpdir(), "imprint-bench-search-"));
    database = await openDatabase({ engine: "pglite", dataDir });
  } else {
    dbName = `imprint_bench_${randomBytes(6).toString("hex")}`;
    await admin!.unsafe(`create database ${dbName}`);
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${dbName}`;
    database = await openDatabase({ engine: "postgres", url: url.toString(), max: 2 });
  }
  const db = database.db;
  const held = Number((await rows(db, sql`select count(*) as n from images`))[0].n);
  if (held !== 0 && held !== n) throw new Error(`${dataDir} holds ${held} images, not ${n}: remove it or pass --n ${held}`);
  const reused = held === n;
  if (reused) log(`    … reusing the ${fmtN(n)} library in ${PGLITE_DIR}`);
  const loadS = reused ? NaN : await loadLibrary(db, engine, n);
  const seqs = plantedSeqs(n);
  const sizeBytes = dataDir ? Number(execSync(`du -sb ${dataDir}`).toString().split(/\s/)[0]) : Number((await rows(db, sql.raw(`select pg_database_size(current_database()) as s`)))[0].s);
  const plantedIds = (await rows(db, sql.raw(`select id from images where seq in (${seqs.join(",")}) order by seq`))).map((r) => r.id as string);

  // The service's own index: LibraryIndex + createMatcher with verification features read from the database.
  gc();
  const rss0 = process.memoryUsage().rss;
  // Feature reads are timed so that a slow query's read can be told from its verification.
  const readFeatures = featureLoader(db);
  let readMs = 0;
  const timedRead: FeatureLoader = async (ids) => {
    const a = performance.now();
    try {
      return await readFeatures(ids);
    } finally {
      readMs += performance.now() - a;
    }
  };
  const matcher = createMatcher({ loadFeatures: timedRead, index: { expectedImages: n, ...INDEX_OPTIONS } });
  library = new LibraryIndex(db, matcher, {});
  const t1 = performance.now();
  library.start();
  await library.whenLoaded();
  const libLoadS = (performance.now() - t1) / 1000;
  gc();
  const libRss = process.memoryUsage().rss - rss0;
  const q = await runQueries(matcher, (j) => plantedIds[j], () => readMs);
  const load = featureLoader(db);
  const fetchMs: number[] = [];
  for (let i = 0; i < 100; i++) {
    const ids = Array.from({ length: VERIFY_TOP }, (_, k) => plantedIds[(i * VERIFY_TOP + k) % plantedIds.length]);
    const a = performance.now();
    await load(ids);
    fetchMs.push(performance.now() - a);
  }

  // Exact SHA (half of the lookups miss, as most searches do) and the pHash multi-index query vs its SQL scan.
  const sha: number[] = [], mih2: number[] = [], brute: number[] = [];
  let mihOk = 0, bruteOk = 0;
  const planted = await rows(db, sql.raw(`select id, sha256, phash::text as phash from images where seq in (${seqs.join(",")}) order by seq`));
  const r = stream(424242);
  for (const [j, p] of planted.entries()) {
    const lookup = j % 2 === 1 ? randomBytes(32).toString("hex") : (p.sha256 as string);
    let a = performance.now();
    await rows(db, sql`select id from images where sha256 = ${lookup}`);
    sha.push(performance.now() - a);
    let u = BigInt.asUintN(64, BigInt(p.phash as string));
    const bits = new Set<number>();
    while (bits.size < j % 11) bits.add(Math.floor(rand01(r) * 64));
    for (const bit of bits) u ^= 1n << BigInt(bit);
    const qs = BigInt.asIntN(64, u).toString();
    const lists = chunks(u).map((x) => `'{${ball(x, 2).join(",")}}'::int[]`);
    a = performance.now();
    const m = await rows(db, sql.raw(`select id, bit_count((phash # ${qs}::bigint)::bit(64)) as d from images
      where (phash_0 = any(${lists[0]}) or phash_1 = any(${lists[1]}) or phash_2 = any(${lists[2]}) or phash_3 = any(${lists[3]}))
        and bit_count((phash # ${qs}::bigint)::bit(64)) <= 10 order by d, id limit 5`));
    mih2.push(performance.now() - a);
    if (m[0]?.id === p.id) mihOk++;
    if (j < 20) {
      a = performance.now();
      const s = await rows(db, sql.raw(`select id, bit_count((phash # ${qs}::bigint)::bit(64)) as d from images
        where bit_count((phash # ${qs}::bigint)::bit(64)) <= 10 order by d, id limit 5`));
      brute.push(performance.now() - a);
      if (s[0]?.id === p.id) bruteOk++;
    }
  }
  const row: DbRow = {
    engine, n, loadS, sizeBytes, libLoadS, libRss, indexBytes: matcher.memoryBytes(), q, fetchMs, sha, mih2, brute,
    mihRecall: `${mihOk}/${planted.length}`, bruteRecall: `${bruteOk}/${brute.length}`,
  };
  log(
    `  ${engine} N=${fmtN(n)}: load ${seconds(loadS)}, ${mb(sizeBytes)}; LibraryIndex startup ${libLoadS.toFixed(1)} s, Δrss ${mb(libRss)}; ` +
      `full query planted ${p5099(q.plantedMs)} ms, unrelated ${p5099(q.randomMs)} ms, all ${p5099(all(q))} ms; ${gcShare(q)}; recall ${q.found}/${PLANTED}, ` +
      `FP ${q.falsePositives}/${RANDOM_QUERIES}; fetch ${VERIFY_TOP} feature blobs ${p5099(fetchMs)} ms; exact SHA ${p5099(sha)} ms; ` +
      `pHash MIH ${p5099(mih2)} ms (${row.mihRecall}) vs SQL scan ${p5099(brute)} ms (${row.bruteRecall})`,
  );
  await cleanups.pop()!();
  library = undefined;
  return row;
}

// ---------------------------------------------------------------- main
const cleanups: (() => Promise<void>)[] = [];
async function cleanupAll() {
  while (cleanups.length) await cleanups.pop()!().catch(() => {});
}
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    log(`\n${sig}: cleaning up`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

async function main() {
  const startLoad = os.loadavg();
  const tStart = performance.now();
  log(`# bench:search — N = ${N.toLocaleString("en")}, ${PLANTED} planted near-duplicates, ${RANDOM_QUERIES} unrelated queries`);
  log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${gb(os.totalmem())} RAM (${gb(os.freemem())} free), load average ${startLoad.map((x) => x.toFixed(2)).join(" ")}`);
  log(`matcher: ${INDEX_DESCRIPTORS} indexed descriptors/image, ${STORED_KEYPOINTS} verification keypoints, verify ≤ ${VERIFY_TOP}; queries ${QUERY_KEYPOINTS} keypoints + ${QUERY_KEYPOINTS} mirrored`);
  measureBruteForce();
  const brute = (n: number) => ({ hamming: bruteMsPerImage * n, verify: bruteVerifyMsPerImage * n });
  const sum: (string | number)[][] = [];

  if (!SKIP_MEMORY) {
    log(`\n## 1. In memory: the service's matcher, verification features regenerated on demand`);
    for (const n of LADDER) {
      gc();
      const r = await memoryBench(n);
      const b = brute(n);
      sum.push([
        "in memory (features on demand)", fmtN(n), p5099(r.q.plantedMs), p5099(r.q.randomMs), p5099(all(r.q)), ms(pct(r.voteMs, 50)),
        `${ms(b.hamming)} → ${(b.hamming / pct(all(r.q), 50)).toFixed(0)}×`, `${r.q.found}/${PLANTED}, ${r.q.falsePositives}/${RANDOM_QUERIES}`,
        `${mb(r.indexBytes)} index, Δrss ${mb(r.rss)}, build ${r.buildS.toFixed(0)} s`,
      ]);
    }
  }
  if (!SKIP_DB) {
    log(`\n## 2. Through the database (N = ${N.toLocaleString("en")})`);
    for (const engine of ENGINES) {
      gc();
      const r = await dbBench(engine, N);
      const b = brute(N);
      sum.push([
        `${engine}: LibraryIndex + DB feature fetch`, fmtN(N), p5099(r.q.plantedMs), p5099(r.q.randomMs), p5099(all(r.q)), `fetch ${p5099(r.fetchMs)}`,
        `${ms(b.hamming)} → ${(b.hamming / pct(all(r.q), 50)).toFixed(0)}×`, `${r.q.found}/${PLANTED}, ${r.q.falsePositives}/${RANDOM_QUERIES}`,
        `${mb(r.indexBytes)} index, Δrss ${mb(r.libRss)}, startup ${r.libLoadS.toFixed(0)} s, DB ${mb(r.sizeBytes)} (load ${seconds(r.loadS)})`,
      ]);
      sum.push([`${engine}: exact SHA / pHash MIH r≤2 vs SQL scan`, fmtN(N), p5099(r.sha), p5099(r.mih2), "", "", `${p5099(r.brute)} → ${(pct(r.brute, 50) / pct(r.mih2, 50)).toFixed(0)}×`, `MIH ${r.mihRecall}, scan ${r.bruteRecall}`, ""]);
    }
  }
  const endLoad = os.loadavg();
  log(`\n## Summary (README)\n`);
  log(`Machine: node ${process.version}, ${os.cpus().length} CPUs, ${gb(os.totalmem())} RAM, load average ${startLoad[0].toFixed(2)} at start, ${endLoad[0].toFixed(2)} at end (1-min). Run time ${((performance.now() - tStart) / 60000).toFixed(1)} min.\n`);
  log(table(["path", "N", "planted p50 / p99 ms", "unrelated p50 / p99 ms", "all p50 / p99 ms", "probing p50 ms", "brute force ms (× vs p50)", "recall, FP@85", "memory / time"], sum));
  log(`\nFull query = candidate index (normal + mirrored) + PDQ multi-index + verification of the best candidates + score; image decode and ORB extraction excluded.`);
  log(`Brute force = exhaustive Hamming voting over every image's ${INDEX_DESCRIPTORS} indexed descriptors, timed per image in this run and × N; verifying every image would take ${ms(bruteVerifyMsPerImage)} ms per image.`);
  log(`Target: p99 ≤ 25 ms at 1 M, ≥ 50× faster than brute force.`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanupAll();
    process.exit(process.exitCode ?? 0);
  });
