/**
 * Hashing throughput on real photos: our fingerprintImage (decode + SHA-256 + PDQ + pHash + thumbnail) against a bare
 * sharp decode to 64×64 grey and against the sharp-phash package, in one run over the same in-memory images.
 *
 *   npm run bench:hash -- [--images DIR] [--concurrency N] [--rounds R] [--sharp-threads T]
 *
 * DIR defaults to ../shared/datasets/photos-dev (relative to the repo root). All images are read into memory first;
 * each method gets one warm-up pass, then R interleaved timed passes (best kept); images run N at a time (sharp works
 * on libuv threads, the JS hashing on the main one).
 */
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import sharp from "sharp";
import sharpPhash from "sharp-phash";
import { fingerprintImage } from "../src/imaging";

const ROOT = resolve(__dirname, "..");
const { values } = parseArgs({
  options: {
    images: { type: "string", default: join(ROOT, "../shared/datasets/photos-dev") },
    concurrency: { type: "string", default: String(availableParallelism()) },
    rounds: { type: "string", default: "3" },
    "sharp-threads": { type: "string" },
  },
});
const dir = resolve(ROOT, values.images!);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
if (values["sharp-threads"]) sharp.concurrency(Number(values["sharp-threads"]));

type Method = (bytes: Buffer) => Promise<unknown>;
const methods: Array<[string, Method]> = [
  ["imprint fingerprintImage", (b) => fingerprintImage(b, { maxBytes: 64 * 1024 * 1024 })],
  ["bare sharp → 64×64 grey raw", (b) => sharp(b).rotate().resize(64, 64, { fit: "fill" }).greyscale().raw().toBuffer()],
  ["sharp-phash", (b) => sharpPhash(b)],
];

async function pool(images: Buffer[], fn: Method, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < images.length) await fn(images[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(n, images.length) }, worker));
}

async function main() {
  const files = readdirSync(dir).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort();
  const images = files.map((f) => readFileSync(join(dir, f)));
  const mb = images.reduce((s, b) => s + b.length, 0) / 1e6;
  console.log(`${images.length} images (${mb.toFixed(1)} MB) from ${dir}`);
  console.log(`concurrency ${concurrency}, ${rounds} interleaved round(s), sharp threads ${sharp.concurrency()}, ${availableParallelism()} cores`);

  // Warm up every method once, then interleave the timed rounds (A B C, B C A, …) and keep each method's best
  // round: other processes share these cores, and interleaving spreads their noise over all three methods.
  for (const [, fn] of methods) await pool(images, fn, concurrency);
  const rate: Record<string, number> = {};
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < methods.length; k++) {
      const [name, fn] = methods[(r + k) % methods.length];
      const started = performance.now();
      await pool(images, fn, concurrency);
      rate[name] = Math.max(rate[name] ?? 0, images.length / ((performance.now() - started) / 1000));
    }
  }
  for (const [name] of methods) {
    console.log(`${name.padEnd(30)} ${rate[name].toFixed(1).padStart(7)} images/s  (${(1000 / rate[name]).toFixed(2)} ms/image, best of ${rounds})`);
  }
  const ours = rate[methods[0][0]];
  const bare = rate[methods[1][0]];
  const phash = rate[methods[2][0]];
  console.log(`ours / sharp-phash: ${(ours / phash).toFixed(2)}×  (target ≥ 2)`);
  console.log(`bare / ours:        ${(bare / ours).toFixed(2)}×  (target ≤ 1.3)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
