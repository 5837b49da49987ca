/**
 * The query path as a client sees it, over real HTTP on the embedded defaults (PGlite in a temp DATA_DIR + a spawned
 * anvil, exactly as startServices builds them), or on PostgreSQL with --database-url (a throw-away database is
 * created there and dropped at the end), next to the floor any image service pays: a bare sharp decode of the same
 * bytes at full size to raw pixels.
 *
 *   npm run bench:query -- [--images DIR] [--queries N] [--seed N] [--rounds R] [--database-url postgres://…]
 *
 * 1. Registrations/s over HTTP (POST /v1/originals: decode, fingerprint, features, DB) of the photos with a short side
 *    ≥ 600 px: every other one (by name) one at a time, the rest two at a time, so that both phases register the same
 *    mix of formats and sizes (sorted by name, the second half held every JPEG). Before them, untimed, a warm-up
 *    organisation registers a few generated pictures that resemble no photo: a server runs warm, and a cold process
 *    spent its first registrations compiling (README, bench:query).
 * 2. Queries (POST /v1/search, from the request's bytes to the JSON answer): seeded edits of every photo (one edit of
 *    each, drawn over all benchmark families, so both registered originals' copies and unrelated photos), single
 *    client and two at a time, `--rounds` times each; p50 / p99.
 *    Each phase also states the process's CPU time per operation and the rate the machine's cores could sustain at it,
 *    what the analysis workers ran for it, task by task (the server's own /metrics, read before and after), and the
 *    queries' phases how long the event loop (which serves every other request) was held at a time.
 *    Then the same request, one client, for a flat 256 px grey picture (no keypoints, nothing to match): the part of a
 *    search that a faster analysis or matcher cannot remove (the request, its key, the search record, the audit
 *    line), beside the little analysis the workers still run for it. And each query once more, one at a time with
 *    the server's metrics read around it (untimed), for what the workers ran for it: shared by every core and added to
 *    that fixed part, it is the fastest the query could be answered with this analysis, however it were scheduled.
 * 3. The floor: sharp decoding each query's bytes at full size to raw pixels, one at a time; and the ratios the issue
 *    sets targets for (query p50 ≤ 3× and p99 ≤ 6× the decode of the same images), for the queries as measured and
 *    at best. Then the analysis's serial chain (decode, working grey image, ORB: each step waits for the one before),
 *    timed step by step for each query in this process: with the part beyond the image, no scheduling answers the
 *    median query in less.
 * The client is this process too, on the same cores as the service, so it sends each upload as one prebuilt
 * multipart body over node:http (lib/upload-client.ts) rather than through fetch and FormData.
 * The temp dir is removed and anvil stopped at the end. The service runs in this process, so the npm script gives
 * node the service's own V8 flags (src/service-command.ts); the first line says which this process has.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import sharp from "sharp";
import { configSchema } from "../src/config";
import { decodeQuery, firstView } from "../src/matching/analyse-image";
import { mulberry32 } from "../src/matching/ransac";
import { silentLogger } from "../src/observability/logger";
import { startServices, type Services } from "../src/services";
import { matchingBuild } from "../src/matching/native-addon";
import { applyEdit, decodeRgb, planCopyEdits, planEdits } from "./lib/edits";
import { analysisTaskTimes, serverMetrics, taskTimesBetween } from "./lib/analysis-task-times";
import { throwAwayDatabase } from "./lib/throw-away-database";
import { serviceFlagsNote } from "./lib/service-flags";
import { uploadClient } from "./lib/upload-client";

const ROOT = resolve(__dirname, "..");
const { values } = parseArgs({
  options: {
    images: { type: "string", default: join(ROOT, "../shared/datasets/photos-dev") },
    queries: { type: "string", default: "120" },
    seed: { type: "string", default: "1" },
    rounds: { type: "string", default: "2" },
    "database-url": { type: "string" },
  },
});
const dir = resolve(ROOT, values.images!);
const QUERIES = Number(values.queries);
const SEED = Number(values.seed);
const ROUNDS = Number(values.rounds);
const ADMIN_KEY = "imp_bench_admin_" + randomBytes(12).toString("hex");
const MIN_ORIGINAL_SIDE = 600;
const MIN_QUERY_SIDE = 128;
const WARM_UP_REGISTRATIONS = 16;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const ms = (x: number) => x.toFixed(1);
const log = (line: string) => console.log(line);

/**
 * CPU time of this process (every thread: the event loop, the analysis workers, sharp's and zlib's pools, PGlite)
 * per operation since the meter started, and the rate this machine's cores could sustain at that cost: a ceiling
 * no scheduling can beat. It includes the benchmark's own client (building and sending the uploads). On PostgreSQL
 * the server's own work is in other processes, so the machine's busy time per operation (every process, from
 * /proc/stat) is stated beside it, and so are this process's minor page faults per operation: memory touched
 * for the first time, or again after it was given back to the kernel, each a fault that costs CPU.
 */
function cpuMeter() {
  const start = process.cpuUsage();
  const faultsStart = process.resourceUsage().minorPageFault;
  const machineStart = machineBusyMs();
  return {
    per(count: number, what: string) {
      const { user, system } = process.cpuUsage(start);
      const perOp = (user + system) / 1000 / count;
      const cores = availableParallelism();
      const machineEnd = machineBusyMs();
      const machine = machineStart !== undefined && machineEnd !== undefined ? `; machine ${ms((machineEnd - machineStart) / count)} ms per ${what} (every process)` : "";
      const faults = (process.resourceUsage().minorPageFault - faultsStart) / count;
      return `CPU ${ms(perOp)} ms per ${what} (this process, all threads) → at most ${((cores * 1000) / perOp).toFixed(1)}/s on ${cores} cores${machine}; ${faults.toFixed(0)} page faults per ${what}`;
    },
  };
}

/** Milliseconds every core of the machine has been busy since boot (Linux /proc/stat), or undefined elsewhere. */
function machineBusyMs(): number | undefined {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}
/** USER_HZ, the unit of /proc/stat: 100 on every Linux architecture Node.js runs on. */
const CLOCK_TICKS_PER_S = 100;

/** What the analysis workers ran for a phase, task by task: how many per operation, and each one's mean run and wait. */
function logWorkerTasks(tasks: ReturnType<typeof taskTimesBetween>, operations: number, what: string) {
  log(`  on the analysis workers: ${tasks.map((t) => `${t.task} ${(t.count / operations).toFixed(2)}/${what}, ran ${ms(t.ranMs)} ms, waited ${ms(t.waitedMs)} ms`).join("; ")}`);
}

/** The workers' time the tasks took in all, ms. */
function workerMsIn(tasks: ReturnType<typeof taskTimesBetween>): number {
  return tasks.reduce((total, t) => total + t.count * t.ranMs, 0);
}

/** Runs `work` over `items`, `concurrency` at a time; resolves with the wall time. */
async function pool<T>(items: T[], concurrency: number, work: (item: T, i: number) => Promise<void>): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i], i);
      }
    }),
  );
  return performance.now() - start;
}

/**
 * Pictures for the warm-up registrations: seeded noise at 40×30 enlarged to 800×600, soft blobs of colour that no
 * photo resembles, so that they add no alert and no hit to what is measured after them.
 */
async function warmUpPictures(count: number): Promise<Buffer[]> {
  const rand = mulberry32(SEED * 104_729);
  return Promise.all(
    Array.from({ length: count }, () => {
      const noise = Buffer.from(Array.from({ length: 40 * 30 * 3 }, () => Math.floor(rand() * 256)));
      return sharp(noise, { raw: { width: 40, height: 30, channels: 3 } }).resize(800, 600, { kernel: "cubic" }).jpeg({ quality: 90 }).toBuffer();
    }),
  );
}

async function main() {
  const files = readdirSync(dir).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort();
  const photos = files.map((f) => ({ name: f, bytes: readFileSync(join(dir, f)) }));
  const sides = await Promise.all(photos.map(async (p) => sharp(p.bytes).metadata().then((m) => Math.min(m.width!, m.height!))));
  const originals = photos.filter((_, i) => sides[i] >= MIN_ORIGINAL_SIDE);

  // Query images first (not timed): one seeded edit of each photo in a seeded order, the photo shrunk to ≤ 1024 px as
  // web copies are.
  const rand = mulberry32(SEED);
  const order = photos.map((p) => ({ p, key: rand() })).sort((a, b) => a.key - b.key).map(({ p }) => p);
  const queries: { label: string; bytes: Buffer }[] = [];
  for (const [i, p] of order.entries()) {
    if (queries.length >= QUERIES) break;
    const edits = [...planEdits(SEED * 7919 + i), ...planCopyEdits(SEED * 7919 + i)];
    const edit = edits[Math.floor(rand() * edits.length)];
    const src = await decodeRgb(await sharp(p.bytes).rotate().resize(1024, 1024, { fit: "inside", withoutEnlargement: true }).png({ compressionLevel: 0 }).toBuffer());
    const bytes = await applyEdit(src, edit);
    const { width, height } = await sharp(bytes).metadata();
    // Search refuses queries under MIN_QUERY_SIDE (a small photo shrunk to 0.3×): that is an answer, not a query.
    if (Math.min(width!, height!) >= MIN_QUERY_SIDE) queries.push({ label: `${p.name} ${edit.label}`, bytes });
  }
  const database = values["database-url"] ? await throwAwayDatabase(values["database-url"], "imprint_query") : undefined;
  log(`photos ${photos.length} from ${dir}: ${originals.length} registrable originals; ${queries.length} query images (seed ${SEED}); ${matchingBuild()}; ${database ? "PostgreSQL" : "PGlite"}; ${serviceFlagsNote()}`);

  const dataDir = mkdtempSync(join(tmpdir(), "imprint-bench-query-"));
  let services: Services | undefined;
  let server: ReturnType<typeof serve> | undefined;
  let client: ReturnType<typeof uploadClient> | undefined;
  try {
    const config = configSchema.parse({
      DATA_DIR: dataDir,
      ...(database ? { DATABASE_URL: database.url } : {}),
      IMPRINT_ADMIN_KEY: ADMIN_KEY,
      EMBEDDED_CHAIN_PORT: "0",
      MAX_UPLOAD_BYTES: String(8 * 1024 * 1024),
    });
    services = await startServices(config, { startBatcher: false, log: silentLogger });
    const app = services.app;
    const base = await new Promise<string>((done) => {
      server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) => done(`http://127.0.0.1:${info.port}`));
    });
    const newAccount = async (name: string) => {
      const account = await fetch(`${base}/v1/accounts`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ name }),
      });
      if (account.status !== 201) throw new Error(`creating an account failed: ${account.status} ${await account.text()}`);
      return ((await account.json()) as { apiKey: string }).apiKey;
    };
    client = uploadClient(base);
    const post = async (path: string, bytes: Buffer, fields: Record<string, string>, apiKey: string) => {
      const started = performance.now();
      const { status, body } = await client!.post(path, { fields, bytes }, { authorization: `Bearer ${apiKey}` });
      const took = performance.now() - started;
      if (status >= 300) throw new Error(`${path} answered ${status}: ${JSON.stringify(body)}`);
      return { took, body };
    };

    // 1. Registrations over HTTP, after the warm-up's (untimed).
    const warmUpKey = await newAccount("Bench warm-up");
    for (const [i, bytes] of (await warmUpPictures(WARM_UP_REGISTRATIONS)).entries()) {
      await post("/v1/originals", bytes, { productId: `warm-up-${i}`, category: "warm-up", storeCountry: "DE" }, warmUpKey);
    }
    const apiKey = await newAccount("Bench");
    const alternate = (parity: number) => originals.filter((_, i) => i % 2 === parity);
    for (const [concurrency, batch] of [[1, alternate(0)], [2, alternate(1)]] as const) {
      const latency: number[] = [];
      const tasksBefore = analysisTaskTimes(await serverMetrics(base));
      const cpu = cpuMeter();
      const wall = await pool([...batch], concurrency, async (p) => {
        latency.push((await post("/v1/originals", p.bytes, { productId: p.name.slice(0, 60), category: "bench", storeCountry: "DE" }, apiKey)).took);
      });
      log(`registrations over HTTP, concurrency ${concurrency}: ${batch.length} in ${(wall / 1000).toFixed(1)} s → ${((batch.length / wall) * 1000).toFixed(1)}/s; latency p50 ${ms(quantile(latency, 0.5))} ms, p99 ${ms(quantile(latency, 0.99))} ms; ${cpu.per(batch.length, "registration")}`);
      logWorkerTasks(taskTimesBetween(tasksBefore, analysisTaskTimes(await serverMetrics(base))), batch.length, "registration");
    }

    // 2. Queries, from bytes to answer. One warm-up pass loads OpenCV and the index, untimed.
    for (const q of queries.slice(0, 3)) await post("/v1/search", q.bytes, { threshold: "85" }, apiKey);
    const perQuery = new Map<number, number[]>();
    for (const concurrency of [1, 2]) {
      const times: number[] = [];
      let wall = 0, found = 0;
      // Read before the CPU meter starts, so that the meter counts the queries only.
      const tasksBefore = analysisTaskTimes(await serverMetrics(base));
      const cpu = cpuMeter();
      // How long the event loop, which serves every other request too, was held at a time while the queries ran.
      const held = monitorEventLoopDelay({ resolution: 5 });
      held.enable();
      for (let round = 0; round < ROUNDS; round++) {
        wall += await pool(queries, concurrency, async (q, i) => {
          const { took, body } = await post("/v1/search", q.bytes, { threshold: "85" }, apiKey);
          times.push(took);
          if (concurrency === 1) perQuery.set(i, [...(perQuery.get(i) ?? []), took]);
          if (round === 0 && (body as { hits: unknown[] }).hits.length) found++;
        });
      }
      held.disable();
      log(`queries over HTTP, concurrency ${concurrency}: ${times.length} in ${(wall / 1000).toFixed(1)} s (${((times.length / wall) * 1000).toFixed(1)}/s); p50 ${ms(quantile(times, 0.5))} ms, p99 ${ms(quantile(times, 0.99))} ms; ${found} of ${queries.length} with a hit ≥ 85; ${cpu.per(times.length, "query")}`);
      log(`  event-loop delay meanwhile: p99 ${ms(held.percentile(99) / 1e6)} ms, max ${ms(held.max / 1e6)} ms`);
      // A query's analysis, then the views the matcher asked for.
      logWorkerTasks(taskTimesBetween(tasksBefore, analysisTaskTimes(await serverMetrics(base))), times.length, "query");
      if (concurrency === 1) perQuery.set(-1, times);
    }

    // What each query ran on the workers, one query at a time (untimed: the metrics are read around each): the part
    // of its work that the cores could share between them, however it were scheduled.
    const workerMsOf: number[] = [];
    for (const q of queries) {
      const before = analysisTaskTimes(await serverMetrics(base));
      await post("/v1/search", q.bytes, { threshold: "85" }, apiKey);
      workerMsOf.push(workerMsIn(taskTimesBetween(before, analysisTaskTimes(await serverMetrics(base)))));
    }

    // What a search costs beyond its image: the same request for a flat picture, which has no keypoints and nothing
    // to match. Less what its analysis ran on the workers, it is the part that no faster analysis or matcher removes.
    const flat = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toBuffer();
    const fixed: number[] = [];
    const tasksBeforeFlat = analysisTaskTimes(await serverMetrics(base));
    const fixedCpu = cpuMeter();
    for (let i = 0; i < queries.length; i++) fixed.push((await post("/v1/search", flat, { threshold: "85" }, apiKey)).took);
    log(`searches of a flat 256 px grey picture (nothing to match), one client: p50 ${ms(quantile(fixed, 0.5))} ms, p99 ${ms(quantile(fixed, 0.99))} ms; ${fixedCpu.per(fixed.length, "search")}`);
    const flatTasks = taskTimesBetween(tasksBeforeFlat, analysisTaskTimes(await serverMetrics(base)));
    logWorkerTasks(flatTasks, fixed.length, "search");
    const beyondImage = quantile(fixed, 0.5) - workerMsIn(flatTasks) / fixed.length;

    // 3. The floor: sharp's full-size decode of the same bytes to raw pixels.
    const decode: number[] = [];
    const decodeOf = new Map<number, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, q] of queries.entries()) {
        const started = performance.now();
        await sharp(q.bytes).raw().toBuffer();
        const took = performance.now() - started;
        decode.push(took);
        decodeOf.set(i, [...(decodeOf.get(i) ?? []), took]);
      }
    }
    const single = perQuery.get(-1)!;
    log(`bare sharp decode at full size to raw pixels, one at a time: p50 ${ms(quantile(decode, 0.5))} ms, p99 ${ms(quantile(decode, 0.99))} ms`);
    const ratios = queries.map((_, i) => quantile(perQuery.get(i)!, 0.5) / quantile(decodeOf.get(i)!, 0.5));
    log(
      `single-client query ÷ decode: p50 ${(quantile(single, 0.5) / quantile(decode, 0.5)).toFixed(1)}× (target ≤ 3×), ` +
        `p99 ${(quantile(single, 0.99) / quantile(decode, 0.99)).toFixed(1)}× (target ≤ 6×); per image, median ${quantile(ratios, 0.5).toFixed(1)}×, p99 ${quantile(ratios, 0.99).toFixed(1)}×`,
    );
    // The fastest each query could be with this analysis: its workers' time shared by every core, plus the part of a
    // search beyond its image. Above a target, no scheduling meets it; only less or faster analysis does.
    const cores = availableParallelism();
    const atBest = workerMsOf.map((w) => w / cores + beyondImage);
    log(
      `a query at best (its workers' time shared by ${cores} cores, plus ${ms(beyondImage)} ms beyond its image): p50 ${ms(quantile(atBest, 0.5))} ms, ` +
        `p99 ${ms(quantile(atBest, 0.99))} ms; ÷ decode p50 ${(quantile(atBest, 0.5) / quantile(decode, 0.5)).toFixed(1)}×, p99 ${(quantile(atBest, 0.99) / quantile(decode, 0.99)).toFixed(1)}×`,
    );
    // The steps of a query's analysis that wait for one another, timed one by one in this process (untimed by the
    // service): its decode (at the detail size, then the hashes' size), its working grey image, ORB on that image. No
    // scheduling or core count shortens this chain; with the part beyond the image, it is the least time in which
    // this analysis answers the median query.
    const chainOf: number[] = [];
    const steps: Record<"decode" | "grey" | "orb", number[]> = { decode: [], grey: [], orb: [] };
    for (const q of queries) {
      const started = performance.now();
      const { image } = await decodeQuery(q.bytes, {});
      const decoded = performance.now();
      const { found } = await firstView(image);
      const greyed = performance.now();
      await found;
      const done = performance.now();
      steps.decode.push(decoded - started);
      steps.grey.push(greyed - decoded);
      steps.orb.push(done - greyed);
      chainOf.push(done - started);
    }
    const chain = quantile(chainOf, 0.5);
    log(
      `the analysis's serial chain, one query at a time (p50s): decode ${ms(quantile(steps.decode, 0.5))} ms, working grey image ${ms(quantile(steps.grey, 0.5))} ms, ` +
        `ORB ${ms(quantile(steps.orb, 0.5))} ms; in all ${ms(chain)} ms = ${(chain / quantile(decode, 0.5)).toFixed(1)}× the decode, ` +
        `${((chain + beyondImage) / quantile(decode, 0.5)).toFixed(1)}× with the ${ms(beyondImage)} ms beyond the image`,
    );
    // Which queries make the single-client tail, each by its median over the rounds.
    const slowest = queries.map((q, i) => ({ label: q.label, took: quantile(perQuery.get(i)!, 0.5) })).sort((a, b) => b.took - a.took).slice(0, 5);
    log(`slowest single-client queries: ${slowest.map((q) => `${ms(q.took)} ms (${q.label})`).join(", ")}`);
  } finally {
    client?.close();
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    await services?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
