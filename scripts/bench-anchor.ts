/**
 * The ledger and anchoring pipeline, measured on the embedded defaults (PGlite in a temp DATA_DIR + a spawned anvil,
 * exactly as startServices builds them):
 *
 *   npm run bench:anchor -- [--images DIR] [--n N] [--ledger-n M] [--concurrency C] [--runs R] [--sizes 1,100,1000,10000]
 *
 * 1. Registrations/s: (a) over HTTP (app.request, multipart, real photos; decode + hashes + thumbnail + DB insert) and
 *    (b) the ledger alone (registerOriginal with precomputed fingerprints), then sealing (sealPending) and anchoring
 *    (anchorSealed, 1 confirmation) of what is pending.
 * 2. Gas per registration at each batch size: random 32-byte leaves (plus one well-formed registration leaf, so the
 *    batch also yields a verifiable bundle), root anchored with anchorRoot on the anvil, gasUsed from the receipt;
 *    buildTree time at each size.
 * 3. Proof size at each batch size (steps, raw bytes, JSON bytes, whole compact JSON bundle).
 * 4. verifyEvidence time, offline part alone and with the chain reads against the local anvil.
 *
 * DIR defaults to ../shared/datasets/photos-dev (relative to the repo root); only photos with a short side ≥ 600 px
 * are accepted as originals, and more distinct uploads are made by re-encoding them (JPEG qualities and sizes) before
 * any timing. Timings are medians (the machine may be shared); the temp dir is removed and anvil stopped at the end.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { anchorRoot } from "../src/chain/anchor";
import { contractAnchorTarget } from "../src/chain/anchor-target";
import { EMBEDDED_ANCHORER_KEY } from "../src/chain/anvil";
import { createChainClient } from "../src/chain/provider";
import { configSchema } from "../src/config";
import { BUNDLE_FORMAT, type EvidenceBundle } from "../src/core/bundle";
import { uint64ToHex } from "../src/core/hex";
import { leafHash, registrationIdOf } from "../src/core/leaf";
import { buildTree } from "../src/core/merkle";
import { verifyBundleOffline } from "../src/core/verify";
import { fingerprintImage, type Fingerprint } from "../src/imaging/fingerprint";
import { anchorSealed } from "../src/ledger/anchor";
import { evidenceOf } from "../src/ledger/evidence";
import { registerOriginal } from "../src/ledger/originals";
import { countPending, sealPending } from "../src/ledger/seal";
import { startServices, type Services } from "../src/services";
import { verifyEvidence } from "../src/verifier/verify-evidence";
import { silentLogger } from "../src/observability/logger";
import { serviceFlagsNote } from "./lib/service-flags";

const ROOT = resolve(__dirname, "..");
const { values } = parseArgs({
  options: {
    images: { type: "string", default: join(ROOT, "../shared/datasets/photos-dev") },
    n: { type: "string", default: "100" },
    "ledger-n": { type: "string", default: "1000" },
    concurrency: { type: "string", default: String(availableParallelism()) },
    runs: { type: "string", default: "200" },
    sizes: { type: "string", default: "1,100,1000,10000" },
  },
});
const dir = resolve(ROOT, values.images!);
const N = Number(values.n);
const LEDGER_N = Number(values["ledger-n"]);
const CONCURRENCY = Math.max(1, Number(values.concurrency));
const RUNS = Number(values.runs);
const SIZES = values.sizes!.split(",").map(Number);
const MIN_SIDE = 600;
const ADMIN_KEY = "imp_bench_admin_" + randomBytes(12).toString("hex");
const META = { productId: "SKU-BENCH", category: "bench", storeCountry: "DE" };

// ---------- small helpers ----------

const hex32 = () => "0x" + randomBytes(32).toString("hex");
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const int = (x: number) => Math.round(x).toLocaleString("en-US");
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
const median = (xs: number[]) => quantile(xs, 0.5);
async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}
async function pool<T>(items: T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}
function table(header: string[], rows: (string | number)[][]): string {
  const lines = [header, header.map(() => "---"), ...rows.map((r) => r.map(String))];
  return lines.map((l) => `| ${l.join(" | ")} |`).join("\n");
}
const log = (line = "") => console.log(line);

// ---------- 0. inputs, prepared before any timing ----------

async function prepareUploads(count: number): Promise<{ uploads: Buffer[]; sources: number; skipped: number }> {
  const files = readdirSync(dir).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort();
  const originals: { bytes: Buffer; short: number }[] = [];
  let skipped = 0;
  for (const f of files) {
    const bytes = readFileSync(join(dir, f));
    const m = await sharp(bytes).metadata().catch(() => null);
    if (!m?.width || !m.height || Math.min(m.width, m.height) < MIN_SIDE) {
      skipped++;
      continue;
    }
    originals.push({ bytes, short: Math.min(m.width, m.height) });
  }
  if (originals.length === 0) throw new Error(`no image in ${dir} has a short side ≥ ${MIN_SIDE} px`);
  // Variant k of each source: JPEG at a quality and a short side, all ≥ 600 px so each is a valid original.
  const variants: { quality: number; short: number | null }[] = [];
  for (const short of [null, 900, 720, 640, 600]) for (const quality of [92, 85, 78, 70, 62]) variants.push({ quality, short });
  const seen = new Set<string>();
  const uploads: Buffer[] = [];
  for (let k = 0; uploads.length < count && k < variants.length; k++) {
    const v = variants[k];
    for (const o of originals) {
      if (uploads.length >= count) break;
      if (v.short !== null && v.short > o.short) continue;
      let img = sharp(o.bytes).rotate();
      if (v.short !== null) img = img.resize(v.short, v.short, { fit: "outside" });
      const bytes = await img.jpeg({ quality: v.quality }).toBuffer();
      const sha = createHash("sha256").update(bytes).digest("hex");
      if (seen.has(sha) || bytes.length > 5 * 1024 * 1024) continue;
      seen.add(sha);
      uploads.push(bytes);
    }
  }
  if (uploads.length < count) log(`only ${uploads.length} distinct variants could be made (asked for ${count})`);
  return { uploads, sources: originals.length, skipped };
}

/** A syntactically real registration (random hashes, real leaf, id and time) for synthetic batches. */
function syntheticRegistration() {
  const registeredAtMs = Date.now();
  const r = { sha256: hex32(), pdq: hex32(), phash: BigInt("0x" + randomBytes(8).toString("hex")), registeredAtMs, accountId: "acc_bench" };
  const leaf = leafHash(r);
  return {
    leaf,
    registration: {
      id: registrationIdOf(leaf),
      accountId: r.accountId,
      sha256: r.sha256,
      pdq: r.pdq,
      phash: uint64ToHex(r.phash),
      registeredAt: new Date(registeredAtMs).toISOString(),
    },
  };
}

// ---------- main ----------

async function main() {
  const t0 = performance.now();
  const cpu = cpus()[0]?.model ?? "?";
  log(`imprint bench:anchor — node ${process.version}, ${serviceFlagsNote()}, ${availableParallelism()} CPUs (${cpu}), sharp threads ${sharp.concurrency()}`);
  log(`n=${N} HTTP registrations, ledger-n=${LEDGER_N}, concurrency ${CONCURRENCY}, ${RUNS} verify runs, batch sizes ${SIZES.join(", ")}`);

  const { uploads, sources, skipped } = await prepareUploads(N + 4);
  const warm = uploads.splice(0, Math.min(4, uploads.length - 1));
  const upMb = uploads.reduce((s, b) => s + b.length, 0) / 1e6;
  log(`inputs: ${sources} photos ≥ ${MIN_SIDE} px from ${dir} (${skipped} smaller skipped) → ${uploads.length} distinct JPEG variants, ${upMb.toFixed(1)} MB (+${warm.length} warm-up)`);

  const dataDir = mkdtempSync(join(tmpdir(), "imprint-bench-anchor-"));
  let services: Services | undefined;
  let chainClient: ReturnType<typeof createChainClient> | undefined;
  const cleanup = async () => {
    chainClient?.provider.destroy();
    chainClient = undefined;
    const s = services;
    services = undefined;
    await s?.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void cleanup().finally(() => process.exit(130)));

  try {
    const config = configSchema.parse({ DATA_DIR: dataDir, IMPRINT_ADMIN_KEY: ADMIN_KEY, EMBEDDED_CHAIN_PORT: "0" });
    const [svc, startMs] = await timed(() => startServices(config, { startBatcher: false, log: silentLogger }));
    services = svc;
    const { app, deps } = svc;
    const db = deps.db;
    log(`startServices (PGlite initdb + migrations, anvil, deploy): ${ms(startMs)} ms; contract ${deps.chain.contract}`);
    chainClient = createChainClient({ rpcUrl: deps.chain.publicRpcUrl!, privateKey: EMBEDDED_ANCHORER_KEY, chainId: deps.chain.chainId });
    const wallet = chainClient.wallet;
    const target = contractAnchorTarget(wallet, { chainId: deps.chain.chainId, contract: deps.chain.contract, confirmations: 1, timeoutMs: 60_000, fromBlock: 0 });

    const newSeller = async (name: string) => {
      const res = await app.request("/v1/accounts", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ name }),
      });
      if (res.status !== 201) throw new Error(`creating a seller failed: ${res.status} ${await res.text()}`);
      const seller = (await res.json()) as { accountId: string; apiKey: string };
      const members = await (await app.request("/v1/members", { headers: { authorization: `Bearer ${seller.apiKey}` } })).json();
      return { ...seller, ownerId: (members as { items: { memberId: string }[] }).items[0].memberId };
    };
    const httpSeller = await newSeller("Bench HTTP");
    const ledgerSeller = await newSeller("Bench ledger");

    // ---------- 1a. HTTP ----------
    const post = async (bytes: Buffer) => {
      const form = new FormData();
      form.set("image", new Blob([new Uint8Array(bytes)]), "photo.jpg");
      for (const [k, v] of Object.entries(META)) form.set(k, v);
      const res = await app.request("/v1/originals", { method: "POST", headers: { authorization: `Bearer ${httpSeller.apiKey}` }, body: form });
      const body = (await res.json()) as { id?: string; error?: { code: string; message: string } };
      if (res.status !== 201) throw new Error(`registration answered ${res.status}: ${JSON.stringify(body)}`);
      return body.id!;
    };
    for (const w of warm) await post(w);
    const httpLatency: number[] = [];
    const httpIds: string[] = [];
    const [, httpWall] = await timed(() =>
      pool(uploads, CONCURRENCY, async (bytes) => {
        const [id, t] = await timed(() => post(bytes));
        httpLatency.push(t);
        httpIds.push(id);
      }),
    );
    const httpRate = (uploads.length / httpWall) * 1000;
    log(`\n1a. HTTP POST /v1/originals: ${uploads.length} in ${ms(httpWall)} ms → ${httpRate.toFixed(1)} registrations/s (concurrency ${CONCURRENCY}); latency median ${ms(median(httpLatency))} ms, p95 ${ms(quantile(httpLatency, 0.95))} ms`);

    // ---------- 1b. ledger alone ----------
    // Fingerprints computed up front (not timed), cycled over the uploads with a fresh SHA-256 each, so every call is
    // a new registration with a real thumbnail/PDQ/pHash row; only registerOriginal (dedup lookup, 2 inserts, read
    // back) is timed, sequentially (PGlite is one connection anyway).
    const [fps, fpMs] = await timed(async () => {
      const out: Fingerprint[] = [];
      for (const b of uploads.slice(0, Math.min(uploads.length, 50))) out.push(await fingerprintImage(b, { maxBytes: 8 * 1024 * 1024 }));
      return out;
    });
    log(`    (fingerprintImage alone, sequential, for reference: ${ms(fpMs / fps.length)} ms per image over ${fps.length})`);
    const ledgerInputs = Array.from({ length: LEDGER_N }, (_, i) => {
      const fp = fps[i % fps.length];
      return { accountId: ledgerSeller.accountId, registeredBy: ledgerSeller.ownerId, fingerprint: { ...fp, sha256: hex32() }, byteSize: uploads[i % fps.length].length, ...META };
    });
    const ledgerLatency: number[] = [];
    const [, ledgerWall] = await timed(async () => {
      for (const input of ledgerInputs) {
        const [r, t] = await timed(() => registerOriginal(db, input));
        if (!r.created) throw new Error("a ledger registration was not new");
        ledgerLatency.push(t);
      }
    });
    const ledgerRate = (LEDGER_N / ledgerWall) * 1000;
    log(`1b. ledger registerOriginal (precomputed fingerprints): ${LEDGER_N} in ${ms(ledgerWall)} ms → ${ledgerRate.toFixed(0)} registrations/s; latency median ${ms(median(ledgerLatency))} ms, p95 ${ms(quantile(ledgerLatency, 0.95))} ms`);

    // ---------- 1c. sealing + anchoring what is pending ----------
    const pending = await countPending(db);
    const sealTimes: { leaves: number; ms: number }[] = [];
    for (;;) {
      const [batch, t] = await timed(() => sealPending(db, config.ANCHOR_MAX_BATCH));
      if (!batch) break;
      sealTimes.push({ leaves: batch.leafCount, ms: t });
    }
    const sealedLeaves = sealTimes.reduce((s, b) => s + b.leaves, 0);
    const sealMs = sealTimes.reduce((s, b) => s + b.ms, 0);
    log(`1c. sealPending (max ${config.ANCHOR_MAX_BATCH}/batch): ${pending} pending → ${sealTimes.length} batches [${sealTimes.map((b) => `${b.leaves} in ${ms(b.ms)} ms`).join(", ")}] → ${int((sealedLeaves / sealMs) * 1000)} leaves/s sealed`);
    const [anchoredRun, anchorMs] = await timed(() => anchorSealed(db, target));
    if (anchoredRun.failed.length) throw new Error(`anchoring failed: ${anchoredRun.failed.map((f) => f.error).join("; ")}`);
    const perBatch = anchorMs / anchoredRun.anchored.length;
    log(`    anchorSealed: ${anchoredRun.anchored.length} batches anchored (1 confirmation) in ${ms(anchorMs)} ms → ${ms(perBatch)} ms per batch incl. DB bookkeeping; gas ${anchoredRun.anchored.map((a) => int(a.gasUsed)).join(", ")}`);

    // ---------- 2 + 3. gas, sealing time and proof size per batch size ----------
    log(`\n2. synthetic batches (random 32-byte leaves + one well-formed registration leaf), anchored with anchorRoot, 1 confirmation:`);
    const rows: {
      size: number;
      buildMs: number;
      gas: number;
      anchorMs: number;
      stepsMax: number;
      stepsMean: number;
      proofBytes: number;
      proofJson: number;
      bundleJson: number;
      bundle: EvidenceBundle;
    }[] = [];
    for (const size of SIZES) {
      const reps = size >= 10_000 ? 2 : size >= 1000 ? 3 : 5;
      const buildTimes: number[] = [];
      const gases: number[] = [];
      const anchorTimes: number[] = [];
      let last: { tree: ReturnType<typeof buildTree>; at: number; reg: ReturnType<typeof syntheticRegistration>; receipt: Awaited<ReturnType<typeof anchorRoot>> } | undefined;
      for (let r = 0; r < reps; r++) {
        const reg = syntheticRegistration();
        const leaves = Array.from({ length: size }, hex32);
        const at = Math.floor(Math.random() * size);
        leaves[at] = reg.leaf;
        const [tree, buildMs] = await timed(async () => buildTree(leaves));
        buildTimes.push(buildMs);
        const [receipt, aMs] = await timed(() => anchorRoot(wallet, { contract: deps.chain.contract, root: tree.root, leafCount: size, confirmations: 1, timeoutMs: 60_000 }));
        if (receipt.alreadyAnchored) throw new Error("a random root was already anchored?");
        gases.push(receipt.gasUsed);
        anchorTimes.push(aMs);
        last = { tree, at, reg, receipt };
      }
      const { tree, at, reg, receipt } = last!;
      const steps = tree.proofs.map((p) => p.length);
      const proof = tree.proofs[at];
      const bundle: EvidenceBundle = {
        format: BUNDLE_FORMAT,
        registration: reg.registration,
        leaf: reg.leaf,
        merkle: { root: tree.root, proof },
        anchor: {
          chainId: deps.chain.chainId,
          contract: deps.chain.contract,
          txHash: receipt.txHash,
          blockNumber: receipt.blockNumber,
          blockTimestamp: receipt.blockTimestamp,
        },
      };
      const row = {
        size,
        buildMs: median(buildTimes),
        gas: median(gases),
        anchorMs: median(anchorTimes),
        stepsMax: Math.max(...steps),
        stepsMean: steps.reduce((s, x) => s + x, 0) / steps.length,
        proofBytes: proof.length * 32,
        proofJson: Buffer.byteLength(JSON.stringify(proof)),
        bundleJson: Buffer.byteLength(JSON.stringify(bundle)),
        bundle,
      };
      rows.push(row);
      log(
        `   ${String(size).padStart(6)} leaves: buildTree ${ms(row.buildMs)} ms (${int((size / row.buildMs) * 1000)} leaves/s), gas ${int(row.gas)} per batch = ${(row.gas / size).toFixed(size >= 1000 ? 2 : 1)} per registration (min ${int(Math.min(...gases))}, max ${int(Math.max(...gases))}), anchor ${ms(row.anchorMs)} ms; proof ${proof.length} steps (max ${row.stepsMax}, mean ${row.stepsMean.toFixed(2)}), ${row.proofBytes} B raw / ${row.proofJson} B JSON, bundle ${row.bundleJson} B`,
      );
    }

    // ---------- 4. verification ----------
    log(`\n4. verifyEvidence, ${RUNS} runs each after 10 warm-up (offline = format + leaf + id + Merkle; full = + chain reads over HTTP RPC to the local anvil):`);
    const realId = httpIds[0];
    const real = await evidenceOf(db, realId);
    if (real?.status !== "anchored") throw new Error(`registration ${realId} is not anchored`);
    const cases: { name: string; bundle: EvidenceBundle }[] = [
      { name: `real (HTTP-registered, batch of ${sealTimes[0]?.leaves ?? "?"})`, bundle: real.bundle },
      ...rows.map((r) => ({ name: `synthetic batch of ${r.size}`, bundle: r.bundle })),
    ];
    const verifyRows: { name: string; steps: number; offMed: number; offP95: number; fullMed: number; fullP95: number }[] = [];
    for (const c of cases) {
      const json = JSON.stringify(c.bundle);
      const off: number[] = [];
      const full: number[] = [];
      for (let i = 0; i < 10; i++) {
        verifyBundleOffline(JSON.parse(json));
        await verifyEvidence(JSON.parse(json), { readChainFacts: deps.readChainFacts });
      }
      for (let i = 0; i < RUNS; i++) {
        const input = JSON.parse(json) as unknown;
        const t = performance.now();
        const v = verifyBundleOffline(input);
        off.push(performance.now() - t);
        if (!v.ok) throw new Error(`${c.name}: offline verification failed: ${JSON.stringify(v.checks)}`);
      }
      for (let i = 0; i < RUNS; i++) {
        const input = JSON.parse(json) as unknown;
        const [v, t] = await timed(() => verifyEvidence(input, { readChainFacts: deps.readChainFacts }));
        full.push(t);
        if (!v.ok) throw new Error(`${c.name}: verification failed: ${JSON.stringify(v.checks.filter((x) => !x.ok))}`);
      }
      const row = { name: c.name, steps: c.bundle.merkle.proof.length, offMed: median(off), offP95: quantile(off, 0.95), fullMed: median(full), fullP95: quantile(full, 0.95) };
      verifyRows.push(row);
      log(`   ${c.name.padEnd(42)} proof ${String(row.steps).padStart(2)} steps: offline median ${ms(row.offMed)} ms, p95 ${ms(row.offP95)} ms; with chain median ${ms(row.fullMed)} ms, p95 ${ms(row.fullP95)} ms`);
    }

    // ---------- summary ----------
    log(`\n## Anchoring benchmark (\`npm run bench:anchor\`)\n`);
    log(`Node ${process.version}, ${availableParallelism()} CPUs (${cpu}), PGlite in a temp dir + local anvil (1 confirmation); medians; machine shared with other jobs.\n`);
    log(
      table(
        ["Stage", "Throughput", "Latency median / p95"],
        [
          [`Register over HTTP (decode, SHA-256, PDQ, pHash, thumbnail, DB), ${uploads.length} photos, concurrency ${CONCURRENCY}`, `${httpRate.toFixed(1)} /s`, `${ms(median(httpLatency))} / ${ms(quantile(httpLatency, 0.95))} ms`],
          [`Register, ledger only (registerOriginal, precomputed fingerprints), ${LEDGER_N}`, `${ledgerRate.toFixed(0)} /s`, `${ms(median(ledgerLatency))} / ${ms(quantile(ledgerLatency, 0.95))} ms`],
          [`Seal pending (sealPending, ≤ ${config.ANCHOR_MAX_BATCH} per batch), ${sealedLeaves} leaves`, `${int((sealedLeaves / sealMs) * 1000)} leaves/s`, `${ms(sealTimes[0]?.ms ?? 0)} ms for ${sealTimes[0]?.leaves ?? 0}`],
          [`Anchor a sealed batch (anchorSealed, 1 confirmation)`, `—`, `${ms(perBatch)} ms per batch`],
        ],
      ),
    );
    log("");
    log(
      table(
        ["Batch size", "buildTree", "Gas per batch", "Gas per registration", "Anchor (send + 1 conf.)", "Proof steps", "Proof bytes (raw / JSON)", "Bundle JSON"],
        rows.map((r) => [
          int(r.size),
          `${ms(r.buildMs)} ms`,
          int(r.gas),
          (r.gas / r.size).toFixed(r.size >= 1000 ? 2 : 1),
          `${ms(r.anchorMs)} ms`,
          r.stepsMax === Math.round(r.stepsMean) ? String(r.stepsMax) : `${r.stepsMean.toFixed(1)} (max ${r.stepsMax})`,
          `${r.proofBytes} / ${r.proofJson} B`,
          `${r.bundleJson} B`,
        ]),
      ),
    );
    log("");
    log(
      table(
        ["Bundle", "Proof steps", "Verify offline median / p95", "Verify with chain reads median / p95"],
        verifyRows.map((r) => [r.name, r.steps, `${ms(r.offMed)} / ${ms(r.offP95)} ms`, `${ms(r.fullMed)} / ${ms(r.fullP95)} ms`]),
      ),
    );
    log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
