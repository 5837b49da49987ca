/**
 * Search-scale benchmark (a benchmark, not a test): how the robust query path and the database queries behind
 * a search behave with a library of N registrations, against brute force measured in the same run.
 *
 *   npm run bench:search -- [--n 1000000] [--engines pglite,postgres] [--skip-db] [--skip-memory]
 *                           [--ladder 10000,100000,300000] [--planted 200] [--random 100] [--budget-gb 20] [--max-build-s 900]
 *                           [--reduced 200x16,100x4,50x4]   index options tried at N (descriptors per image × tables)
 *
 * 1. In-memory robust query (what a search does after decoding): CandidateIndex + verification exactly as
 *    createMatcher wires them (topFeatures(STORED_KEYPOINTS) stored, index.query normal + mirrored, verifyPair of
 *    the VERIFY_TOP candidates, calibrated score), on synthetic images: random ORB-like descriptors + keypoints,
 *    and planted near-duplicates (descriptors with 5–20 of 256 bits flipped, keypoints through a similarity
 *    transform with ±0.5 px jitter, ~30 % of keypoints lost and replaced by new ones, every 4th one mirrored).
 *    Sizes whose estimated memory exceeds the budget are skipped and reported; at N they are also tried with
 *    reduced index options and verification features read on demand (a stand-in for reading the top
 *    candidates' feature blobs from the database).
 * 2. Database queries on PGlite (temp dataDir) and PostgreSQL (throw-away database): N `images` rows with random
 *    pHashes (+ planted near-duplicates), exact-SHA lookup, multi-index-hashing pHash query, SQL brute force,
 *    LibraryIndex startup load (features column NULL), disk size.
 * 3. A markdown summary.
 */
import { randomBytes } from "node:crypto";
import { execSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import v8 from "node:v8";
import vm from "node:vm";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { CandidateIndex, type CandidateIndexOptions } from "../src/matching/candidates";
import { rankCandidates, STORED_KEYPOINTS, VERIFY_TOP, type MatchHit } from "../src/matching/matcher";
import { topFeatures, type ImageFeatures } from "../src/matching/features";
import { verifyBoth } from "../src/matching/verify-pair";
import { openDatabase, type Database, type Db } from "../src/db/client";
import { LibraryIndex } from "../src/search/library-index";
import type { Matcher } from "../src/matching/matcher";

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
const PLANTED = Number(arg("planted", "200"));
const RANDOM_QUERIES = Number(arg("random", "100"));
const BUDGET = Number(arg("budget-gb", "20")) * 2 ** 30;
const LADDER = [...new Set([...arg("ladder", "10000,100000,300000").split(",").map(Number).filter((x) => x < N), N])];
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
 * Deterministic stream per seed (mulberry32, int32 out): the same image number always gives the same features.
 * Not xorshift: a linear generator makes the descriptors of different images XOR-related, which crowds buckets.
 */
function stream(seed: number): () => number {
  let s = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return t ^ (t >>> 14);
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

// ---------------------------------------------------------------- part 1: in-memory robust query
interface MemoryRow {
  label: string;
  n: number;
  options: string;
  stored: "in memory" | "on demand";
  status: string;
  buildS?: number;
  indexBytes?: number;
  rss?: number;
  heap?: number;
  ab?: number;
  plantedP50?: number;
  voteP50?: number;
  plantedP99?: number;
  randomP50?: number;
  randomP99?: number;
  recall?: string;
  falsePositives?: string;
  bruteMs?: number;
  bruteVerifyMs?: number;
  speedup?: number;
}

/**
 * Bytes the build needs at its peak: typed-array capacities as CandidateIndex grows them (8 B per table entry:
 * descriptor id + prefilter word) + stored features; once a size of the same configuration was measured, its
 * RSS per image × 1.3 (doubling and merge copies) is used instead.
 */
function estimateBytes(n: number, o: Required<CandidateIndexOptions>, storedInMemory: boolean): number {
  const measured = rssPerImage.get(configKey(o, storedInMemory));
  if (measured) return measured * n * 1.3 + 2 ** 30;
  const desc = n * Math.min(o.descriptorsPerImage, STORED_KEYPOINTS);
  let cap = 1024;
  while (cap < desc) cap *= 2;
  const index = cap * 36 + desc * 8 * o.tables + o.tables * 65536 * 12 + n * 100;
  const peak = index + (cap / 2) * 36 + desc * 8;
  const stored = storedInMemory ? n * (STORED_KEYPOINTS * 40 + 600) : 0;
  return peak + stored + 2 ** 30;
}
const configKey = (o: Required<CandidateIndexOptions>, stored: boolean) => `${o.descriptorsPerImage}/${o.tables}/${o.maxDistance}/${stored}`;
const rssPerImage = new Map<string, number>();
const buildMsPerImage = new Map<string, number>();
const MAX_BUILD_S = Number(arg("max-build-s", "900"));

let bruteMsPerImage = NaN, bruteVerifyMsPerImage = NaN;

/** Votes of one image under exhaustive Hamming matching (stored descriptors within maxDistance of a query one). */
function votesBrute(q: Int32Array, o: Int32Array, maxDistance: number): number {
  let votes = 0;
  for (let p = 0; p < q.length; p += 8) {
    const q0 = q[p], q1 = q[p + 1], q2 = q[p + 2], q3 = q[p + 3], q4 = q[p + 4], q5 = q[p + 5], q6 = q[p + 6], q7 = q[p + 7];
    for (let r = 0; r < o.length; r += 8) {
      const d = pc(q0 ^ o[r]) + pc(q1 ^ o[r + 1]) + pc(q2 ^ o[r + 2]) + pc(q3 ^ o[r + 3]) + pc(q4 ^ o[r + 4]) + pc(q5 ^ o[r + 5]) + pc(q6 ^ o[r + 6]) + pc(q7 ^ o[r + 7]);
      if (d <= maxDistance) {
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

async function memoryBench(n: number, options: CandidateIndexOptions, storedMode: "in memory" | "on demand", label: string): Promise<MemoryRow> {
  const o = { descriptorsPerImage: 200, tables: 16, maxDistance: 48, ...options };
  const optStr = `${o.descriptorsPerImage} desc/img, ${o.tables} tables, ≤${o.maxDistance} bits`;
  const row: MemoryRow = { label, n, options: optStr, stored: storedMode, status: "ok" };
  const est = estimateBytes(n, o, storedMode === "in memory");
  const avail = Math.min(BUDGET, os.freemem() - 2 * 2 ** 30);
  if (est > avail) {
    row.status = `skipped: needs ~${gb(est)} > ${gb(avail)} available`;
    log(`  ${label} N=${fmtN(n)} [${optStr}, stored ${storedMode}]: ${row.status}`);
    return row;
  }
  const rate = buildMsPerImage.get(configKey(o, storedMode === "in memory"));
  if (rate && (rate * n) / 1000 > MAX_BUILD_S) {
    row.status = `skipped: projected build ${((rate * n) / 60000).toFixed(0)} min > --max-build-s ${MAX_BUILD_S} (est. memory ~${gb(est)})`;
    log(`  ${label} N=${fmtN(n)} [${optStr}, stored ${storedMode}]: ${row.status}`);
    return row;
  }
  gc();
  const m0 = mem();
  const index = new CandidateIndex(o);
  const stored = new Map<string, ImageFeatures>();
  // On demand: the verification features of a candidate are produced when it is verified (what reading its
  // feature blob from the database would give), so only the index lives in memory.
  const onDemand = {
    get: (id: string) => (id.startsWith("p") ? plantedOrig(Number(id.slice(1))) : imageFeatures(Number(id.slice(1)))),
  } as unknown as Map<string, ImageFeatures>;
  const plantedOrig = (j: number) => imageFeatures(-1 - j);
  const plantedAt = new Map<number, number>();
  for (let j = 0; j < PLANTED; j++) plantedAt.set(Math.floor(((j + 0.5) * n) / PLANTED), j);
  const t0 = performance.now();
  let lastLog = t0;
  for (let k = 0; k < n; k++) {
    const j = plantedAt.get(k);
    const id = j === undefined ? `i${k}` : `p${j}`;
    const f = j === undefined ? imageFeatures(k, storedMode === "in memory" ? STORED_KEYPOINTS : o.descriptorsPerImage) : plantedOrig(j);
    if (storedMode === "in memory") {
      const kept = topFeatures(f, STORED_KEYPOINTS);
      stored.set(id, kept);
      index.add(id, kept);
    } else index.add(id, f);
    if (performance.now() - lastLog > 30_000) {
      lastLog = performance.now();
      log(`    … ${k + 1} added in ${((lastLog - t0) / 1000).toFixed(0)} s (${memStr()})`);
    }
  }
  index.merge();
  row.buildS = (performance.now() - t0) / 1000;
  gc();
  const m1 = mem();
  row.indexBytes = index.memoryBytes();
  rssPerImage.set(configKey(o, storedMode === "in memory"), Math.max(m1.rss - m0.rss, row.indexBytes) / n);
  buildMsPerImage.set(configKey(o, storedMode === "in memory"), (row.buildS * 1000) / n);
  row.rss = m1.rss;
  row.heap = m1.heap;
  row.ab = m1.ab;
  const storedMap = storedMode === "in memory" ? stored : onDemand;

  // Queries: planted edited copies (every 4th mirrored), then unrelated random images.
  const plantedQueries: { q: ImageFeatures; id: string }[] = [];
  for (let j = 0; j < PLANTED; j++) {
    const r = stream(7_000_000 + j);
    const copy = editedCopy(plantedOrig(j), r);
    const other = randomFeatures(r, QUERY_KEYPOINTS);
    const q = j % 4 === 3 ? { ...other, mirrored: copy } : { ...copy, mirrored: other };
    plantedQueries.push({ q, id: `p${j}` });
  }
  const randomQueries = Array.from({ length: RANDOM_QUERIES }, (_, i) => {
    const r = stream(9_000_000 + i);
    return { ...randomFeatures(r, QUERY_KEYPOINTS), mirrored: randomFeatures(r, QUERY_KEYPOINTS) };
  });
  const search = (q: ImageFeatures): MatchHit[] => rankCandidates(index, storedMap, q, VERIFY_TOP).filter((h) => h.similarity >= 85).slice(0, 10);
  for (let i = 0; i < 5; i++) search(plantedQueries[i % plantedQueries.length].q); // warm-up
  const pt: number[] = [], rt: number[] = [];
  let found = 0, fp = 0;
  for (const { q, id } of plantedQueries) {
    const a = performance.now();
    const hits = search(q);
    pt.push(performance.now() - a);
    if (hits[0]?.id === id) found++;
  }
  for (const q of randomQueries) {
    const a = performance.now();
    const hits = search(q);
    rt.push(performance.now() - a);
    if (hits.length) fp++;
  }
  const vt: number[] = [];
  for (const { q } of plantedQueries.slice(0, 50)) {
    const a = performance.now();
    index.query(q, VERIFY_TOP);
    index.query(q.mirrored!, VERIFY_TOP);
    vt.push(performance.now() - a);
  }
  row.voteP50 = pct(vt, 50);
  row.plantedP50 = pct(pt, 50);
  row.plantedP99 = pct(pt, 99);
  row.randomP50 = pct(rt, 50);
  row.randomP99 = pct(rt, 99);
  row.recall = `${found}/${PLANTED}`;
  row.falsePositives = `${fp}/${RANDOM_QUERIES}`;

  // Brute force, timed once on a sample (its cost per stored image does not depend on N) and extrapolated × N:
  //  (a) exhaustive descriptor voting: every query descriptor (normal + mirrored) against every stored descriptor
  //      of every image, a tight popcount loop — the work the index avoids (lower bound of any brute force);
  //  (b) the library's verifyBoth (ratio-test matching + RANSAC, both orientations) against every image.
  if (!Number.isFinite(bruteMsPerImage)) {
    const sample = 300, qs = [plantedQueries[0].q, randomQueries[0]];
    const originals = Array.from({ length: sample }, (_, k) => topFeatures(imageFeatures(k), STORED_KEYPOINTS));
    const ow = originals.map((o) => new Int32Array(o.descriptors.buffer, o.descriptors.byteOffset, o.descriptors.length >>> 2));
    let sink = 0;
    const scan = () => {
      for (const q of qs) for (const f of [q, q.mirrored!]) {
        const qw = new Int32Array(f.descriptors.buffer, f.descriptors.byteOffset, f.descriptors.length >>> 2);
        for (const w of ow) sink += votesBrute(qw, w, o.maxDistance);
      }
    };
    scan(); // warm-up
    let a = performance.now();
    scan();
    bruteMsPerImage = (performance.now() - a) / (qs.length * sample);
    for (const q of qs) verifyBoth(q, originals[0]);
    a = performance.now();
    for (const q of qs) for (const orig of originals.slice(0, 100)) verifyBoth(q, orig);
    bruteVerifyMsPerImage = (performance.now() - a) / (qs.length * 100);
    log(`  brute force per stored image: exhaustive Hamming vote ${bruteMsPerImage.toFixed(3)} ms (1000 query × ${STORED_KEYPOINTS} stored descriptors; ${qs.length} queries × ${sample} images), library verifyBoth ${bruteVerifyMsPerImage.toFixed(3)} ms (${qs.length} × 100); extrapolated × N below [${sink & 1}]`);
  }
  row.bruteMs = bruteMsPerImage * n;
  row.bruteVerifyMs = bruteVerifyMsPerImage * n;
  row.speedup = row.bruteMs / row.plantedP50!;
  log(
    `  ${label} N=${fmtN(n)} [${optStr}, stored ${storedMode}]: build ${row.buildS.toFixed(1)} s; index typed arrays ${mb(row.indexBytes)} ` +
      `(${(row.indexBytes / n / 1024).toFixed(1)} KB/img); ${memStr(m1)} (Δrss ${mb(m1.rss - m0.rss)}); planted p50/p99 ${ms(row.plantedP50)}/${ms(row.plantedP99)} ms, ` +
      `random p50/p99 ${ms(row.randomP50)}/${ms(row.randomP99)} ms (of which voting normal+mirrored p50 ${ms(row.voteP50)} ms); recall ${row.recall}; false positives ≥85 ${row.falsePositives}; ` +
      `brute force ≈ ${ms(row.bruteMs)} ms/query Hamming, ${ms(row.bruteVerifyMs)} ms verifyBoth (extrapolated) → ${row.speedup.toFixed(0)}× vs Hamming (p50)`,
  );
  return row;
}

// ---------------------------------------------------------------- part 2: database
interface DbRow {
  engine: string;
  n: number;
  loadS: number;
  rowsPerS: number;
  analyzeS: number;
  sizeBytes: number;
  dirBytes?: number;
  sha: number[];
  mih2: number[];
  mih0: number[];
  brute: number[];
  mihRecall: string;
  mih0Recall: string;
  bruteRecall: string;
  libLoadS: number;
  libPages: number;
  candidates: number;
  rssAfter: number;
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

async function dbBench(engine: "pglite" | "postgres", n: number): Promise<DbRow> {
  let database: Database | undefined, dataDir: string | undefined, dbName: string | undefined;
  const admin = engine === "postgres" ? postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} }) : undefined;
  cleanups.push(async () => {
    await database?.close().catch(() => {});
    database = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (admin && dbName) await admin.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => {});
    await admin?.end({ timeout: 5 }).catch(() => {});
  });
  if (engine === "pglite") {
    dataDir = mkdtempSync(join(os.tmpdir(), "imprint-bench-search-"));
    database = await openDatabase({ engine: "pglite", dataDir });
  } else {
    dbName = `imprint_bench_${randomBytes(6).toString("hex")}`;
    await admin!.unsafe(`create database ${dbName}`);
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${dbName}`;
    database = await openDatabase({ engine: "postgres", url: url.toString(), max: 2 });
  }
  const db = database.db;
  await rows(db, sql`insert into accounts (id, name, role) values ('acct_bench', 'bench', 'seller')`);
  // Load: generate_series batches; random pHash = md5 of seq, sha256 of seq; features NULL.
  const batch = 50_000;
  const t0 = performance.now();
  let lastLog = t0;
  for (let a = 1; a <= n; a += batch) {
    const b = Math.min(n, a + batch - 1);
    await rows(
      db,
      sql.raw(`insert into images (id, kind, account_id, sha256, pdq, pdq_quality, phash, phash_0, phash_1, phash_2, phash_3,
          width, height, format, byte_size, thumbnail, features)
        select 'img_' || g, case when g % 3 = 0 then 'listing' else 'original' end, 'acct_bench',
          encode(sha256(g::text::bytea), 'hex'), '\\x00'::bytea, 80, h,
          ((h >> 48) & 65535)::int, ((h >> 32) & 65535)::int, ((h >> 16) & 65535)::int, (h & 65535)::int,
          1024, 768, 'jpeg', 100000, '\\x00'::bytea, null
        from (select g, ${PHASH_SQL} as h from generate_series(${a}, ${b}) g) s`),
    );
    if (performance.now() - lastLog > 30_000) {
      lastLog = performance.now();
      log(`    … ${engine}: ${b} rows in ${((lastLog - t0) / 1000).toFixed(0)} s`);
    }
  }
  const loadS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  await rows(db, sql.raw(`analyze images`));
  const analyzeS = (performance.now() - t1) / 1000;
  const sizeBytes = Number((await rows(db, sql.raw(`select pg_database_size(current_database()) as s`)))[0].s);
  const dirBytes = dataDir ? Number(execSync(`du -sb ${dataDir}`).toString().split(/\s/)[0]) : undefined;

  // Query material: planted rows' hashes (read back), distances 0–10 flipped in JS.
  const seqs = plantedSeqs(n);
  const planted = await rows(db, sql.raw(`select seq, id, sha256, phash::text as phash from images where seq in (${seqs.join(",")}) order by seq`));
  const r = stream(424242);
  const queries = planted.map((p, j) => {
    let u = BigInt.asUintN(64, BigInt(p.phash as string));
    const d = j % 11; // 0..10 bits
    const bits = new Set<number>();
    while (bits.size < d) bits.add(Math.floor(rand01(r) * 64));
    for (const bit of bits) u ^= 1n << BigInt(bit);
    return { id: p.id as string, sha: p.sha256 as string, u };
  });
  const mihQuery = (u: bigint, radius: number) => {
    const c = chunks(u);
    const q = BigInt.asIntN(64, u).toString();
    const lists = c.map((x) => `'{${ball(x, radius).join(",")}}'::int[]`);
    return sql.raw(`select id, bit_count((phash # ${q}::bigint)::bit(64)) as d from images
      where (phash_0 = any(${lists[0]}) or phash_1 = any(${lists[1]}) or phash_2 = any(${lists[2]}) or phash_3 = any(${lists[3]}))
        and bit_count((phash # ${q}::bigint)::bit(64)) <= 10 order by d, id limit 5`);
  };
  const bruteQuery = (u: bigint) => {
    const q = BigInt.asIntN(64, u).toString();
    return sql.raw(`select id, bit_count((phash # ${q}::bigint)::bit(64)) as d from images
      where bit_count((phash # ${q}::bigint)::bit(64)) <= 10 order by d, id limit 5`);
  };
  const time = async (q: ReturnType<typeof sql>) => {
    const a = performance.now();
    const res = await rows(db, q);
    return { t: performance.now() - a, res };
  };
  // Warm-up (caches, plans).
  for (const q of queries.slice(0, 3)) {
    await rows(db, sql`select id from images where sha256 = ${q.sha}`);
    await rows(db, mihQuery(q.u, 2));
  }
  const sha: number[] = [], mih2: number[] = [], mih0: number[] = [], brute: number[] = [];
  let shaOk = 0, mih2Ok = 0, mih0Ok = 0, bruteOk = 0, bruteN = 0, candidates = 0;
  for (const [j, q] of queries.entries()) {
    const miss = j % 2 === 1 ? randomBytes(32).toString("hex") : q.sha; // half of the lookups miss, as most searches do
    const s = await time(sql`select id from images where sha256 = ${miss}`);
    sha.push(s.t);
    if (j % 2 === 1 ? s.res.length === 0 : s.res[0]?.id === q.id) shaOk++;
    const m2 = await time(mihQuery(q.u, 2));
    mih2.push(m2.t);
    if (m2.res[0]?.id === q.id) mih2Ok++;
    const m0 = await time(mihQuery(q.u, 0));
    mih0.push(m0.t);
    if (m0.res[0]?.id === q.id) mih0Ok++;
    if (j < 20) {
      const b = await time(bruteQuery(q.u));
      brute.push(b.t);
      bruteN++;
      if (b.res[0]?.id === q.id) bruteOk++;
    }
  }
  // How many rows the radius-2 probe touches (candidate count before the exact check), on a few queries.
  for (const q of queries.slice(0, 5)) {
    const c = chunks(q.u).map((x) => `'{${ball(x, 2).join(",")}}'::int[]`);
    const res = await rows(db, sql.raw(`select count(*) as c from images where phash_0 = any(${c[0]}) or phash_1 = any(${c[1]}) or phash_2 = any(${c[2]}) or phash_3 = any(${c[3]})`));
    candidates += Number(res[0].c) / 5;
  }
  if (shaOk !== queries.length) log(`  WARNING: exact-SHA lookup answered ${shaOk}/${queries.length} correctly`);

  // LibraryIndex startup: the real loader (pages of 2 000 by seq, joined to originals/listings) with a matcher that
  // only counts; features are NULL and there are no originals/listings rows, so this is the row-scan cost alone.
  let added = 0;
  const counting = { add: () => void added++, remove: () => false, has: () => false, size: 0, search: async () => [] } as unknown as Matcher;
  const lib = new LibraryIndex(db, counting, {});
  const t2 = performance.now();
  await lib.start();
  const libLoadS = (performance.now() - t2) / 1000;
  await lib.stop();
  const rssAfter = process.memoryUsage().rss;
  await cleanups.pop()!();
  return {
    engine, n, loadS, rowsPerS: n / loadS, analyzeS, sizeBytes, dirBytes, sha, mih2, mih0, brute,
    mihRecall: `${mih2Ok}/${queries.length}`, mih0Recall: `${mih0Ok}/${queries.length}`, bruteRecall: `${bruteOk}/${bruteN}`,
    libLoadS, libPages: Math.ceil(n / 2000), candidates, rssAfter,
  };
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
  log(`matcher: STORED_KEYPOINTS ${STORED_KEYPOINTS}, VERIFY_TOP ${VERIFY_TOP}, queries ${QUERY_KEYPOINTS} keypoints + ${QUERY_KEYPOINTS} mirrored; memory budget ${gb(BUDGET)}`);

  const memRows: MemoryRow[] = [];
  if (!SKIP_MEMORY) {
    log(`\n## 1. In-memory robust query (candidate voting normal + mirrored, verify top ${VERIFY_TOP}, score)`);
    let largestDefault = 0;
    for (const n of LADDER) {
      const row = await memoryBench(n, {}, "in memory", "defaults");
      memRows.push(row);
      if (row.status === "ok") largestDefault = n;
      else break;
      gc();
    }
    if (largestDefault < N) {
      const reduced: CandidateIndexOptions[] = arg("reduced", "200x16,100x4,50x4")
        .split(",")
        .filter(Boolean)
        .map((x) => x.split("x").map(Number))
        .map(([descriptorsPerImage, tables]) => ({ descriptorsPerImage, tables }));
      for (const o of reduced) {
        gc();
        memRows.push(await memoryBench(N, o, "on demand", "index only"));
      }
    }
    gc();
    log(`\n${table(
      ["config", "N", "index options", "verify features", "build s", "index MB", "KB/img", "RSS", "planted p50/p99 ms", "random p50/p99 ms", "recall@85", "FP@85", "brute Hamming ms/query*", "brute verify ms/query*", "speed-up vs Hamming (p50)"],
      memRows.map((r) =>
        r.status !== "ok"
          ? [r.label, fmtN(r.n), r.options, r.stored, r.status, "", "", "", "", "", "", "", "", "", ""]
          : [r.label, fmtN(r.n), r.options, r.stored, r.buildS!.toFixed(0), (r.indexBytes! / 2 ** 20).toFixed(0), (r.indexBytes! / r.n / 1024).toFixed(1), mb(r.rss!),
            `${ms(r.plantedP50!)} / ${ms(r.plantedP99!)}`, `${ms(r.randomP50!)} / ${ms(r.randomP99!)}`, r.recall!, r.falsePositives!, ms(r.bruteMs!), ms(r.bruteVerifyMs!), `${r.speedup!.toFixed(0)}×`],
      ),
    )}`);
    log(`* brute force, per stored image measured on a sample in this run and × N (extrapolated linearly): exhaustive Hamming voting ${bruteMsPerImage.toFixed(3)} ms/image, library verifyBoth ${bruteVerifyMsPerImage.toFixed(3)} ms/image. Speed-up is against the cheaper one.`);
  }

  const dbRows: DbRow[] = [];
  if (!SKIP_DB) {
    log(`\n## 2. Database path (N = ${N.toLocaleString("en")} images rows, features NULL)`);
    for (const engine of ENGINES) {
      gc();
      const r = await dbBench(engine, N);
      dbRows.push(r);
      log(
        `  ${engine}: load ${r.loadS.toFixed(1)} s (${Math.round(r.rowsPerS).toLocaleString("en")} rows/s), analyze ${r.analyzeS.toFixed(1)} s, db ${mb(r.sizeBytes)}` +
          `${r.dirBytes ? `, dataDir ${mb(r.dirBytes)}` : ""}; MIH radius-2 candidates ≈ ${Math.round(r.candidates)}; LibraryIndex startup ${r.libLoadS.toFixed(1)} s ` +
          `(${r.libPages} pages); process rss ${mb(r.rssAfter)}`,
      );
    }
    log(`\n${table(
      ["engine", "N", "load s", "rows/s", "DB size", "exact SHA p50/p99", "MIH r≤2 p50/p99 (recall)", "MIH r=0 p50/p99 (recall)", "SQL brute p50/p99 (recall)", "brute/MIH (p50)", "LibraryIndex load s"],
      dbRows.map((r) => [
        r.engine, fmtN(r.n), r.loadS.toFixed(0), Math.round(r.rowsPerS).toLocaleString("en"), mb(r.dirBytes ?? r.sizeBytes),
        `${ms(pct(r.sha, 50))} / ${ms(pct(r.sha, 99))}`, `${ms(pct(r.mih2, 50))} / ${ms(pct(r.mih2, 99))} (${r.mihRecall})`,
        `${ms(pct(r.mih0, 50))} / ${ms(pct(r.mih0, 99))} (${r.mih0Recall})`, `${ms(pct(r.brute, 50))} / ${ms(pct(r.brute, 99))} (${r.bruteRecall})`,
        `${(pct(r.brute, 50) / pct(r.mih2, 50)).toFixed(0)}×`, r.libLoadS.toFixed(1),
      ]),
    )}`);
    log(`Times in ms through drizzle (one query at a time). pHash queries: ${PLANTED} planted rows with 0–10 bits flipped; top 5 within 10 bits. SQL brute force on 20 of them.`);
  }

  // ---------------------------------------------------------------- summary
  const endLoad = os.loadavg();
  log(`\n## Summary (README)\n`);
  log(`Machine: node ${process.version}, ${os.cpus().length} CPUs, ${gb(os.totalmem())} RAM, shared: load average ${startLoad[0].toFixed(2)} at start, ${endLoad[0].toFixed(2)} at end (1-min); medians preferred. Run time ${((performance.now() - tStart) / 60000).toFixed(1)} min.\n`);
  const sum: (string | number)[][] = [];
  for (const r of memRows) {
    if (r.status !== "ok") {
      sum.push([`robust query in memory, ${r.options}, features ${r.stored}`, fmtN(r.n), r.status, "", "", ""]);
      continue;
    }
    sum.push([
      `robust query in memory (vote + verify ${VERIFY_TOP}), ${r.options}, features ${r.stored}`, fmtN(r.n),
      `${ms(r.plantedP50!)} / ${ms(r.plantedP99!)} (unrelated ${ms(r.randomP50!)} / ${ms(r.randomP99!)})`,
      `${ms(r.bruteMs!)} Hamming / ${ms(r.bruteVerifyMs!)} verify (extrapolated) → ${r.speedup!.toFixed(0)}×`, `recall ${r.recall}, FP ${r.falsePositives}`,
      `RSS ${gb(r.rss!)}, index ${gb(r.indexBytes!)}`,
    ]);
  }
  for (const r of dbRows) {
    sum.push([`${r.engine}: exact-SHA lookup`, fmtN(r.n), `${ms(pct(r.sha, 50))} / ${ms(pct(r.sha, 99))}`, "", "", `DB ${mb(r.dirBytes ?? r.sizeBytes)}`]);
    sum.push([`${r.engine}: pHash MIH radius 2 (exact ≤ 10), top 5`, fmtN(r.n), `${ms(pct(r.mih2, 50))} / ${ms(pct(r.mih2, 99))}`,
      `${ms(pct(r.brute, 50))} / ${ms(pct(r.brute, 99))} → ${(pct(r.brute, 50) / pct(r.mih2, 50)).toFixed(0)}×`, `recall ${r.mihRecall} (brute ${r.bruteRecall})`, `~${Math.round(r.candidates)} candidates`]);
    sum.push([`${r.engine}: bulk load / LibraryIndex startup (features NULL)`, fmtN(r.n), `${r.loadS.toFixed(0)} s (${Math.round(r.rowsPerS).toLocaleString("en")} rows/s) / ${r.libLoadS.toFixed(1)} s`, "", "", ""]);
  }
  log(table(["path", "N", "p50 / p99 ms", "brute force ms (p50 speed-up)", "quality", "memory / size"], sum));
  log(`\nTarget: p99 ≤ 25 ms at 1 M, ≥ 50× faster than brute force.`);
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
