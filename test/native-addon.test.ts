/**
 * The native ORB addon against OpenCV's WASM build, on real photos: the same keypoints with the same responses, and
 * descriptors that differ only where OpenCV's angle rounding moves a sampling point (docs/calibration.md, "Native
 * ORB and matching"). Runs where the addon was built (npm install builds it when OpenCV's headers are installed; .ci/run
 * installs them).
 */
import { readFileSync } from "node:fs";
import path, { join } from "node:path";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { decodeImage } from "../src/imaging/decode";
import { detailGrey, flipGrey, orbFeatures, orbFeaturesOffThread, workingGrey, type GreyImage } from "../src/matching/features";
import { loadWasmOrb } from "../src/matching/opencv";
import { loadOrbDetector, type OrbDetection } from "../src/matching/orb-detector";
import { loadNativeOrb } from "../src/matching/orb-native";

const photos = join(__dirname, "fixtures/images/photos");
const native = loadNativeOrb();

/** Keypoints as "x y response" keys, each with its descriptor (OpenCV's order among equal responses differs). */
function byKeypoint(d: OrbDetection): Map<string, Uint8Array> {
  const rows = new Map<string, Uint8Array>();
  for (let i = 0; i < d.responses.length; i++) {
    rows.set(`${d.points[2 * i]} ${d.points[2 * i + 1]} ${d.responses[i]}`, d.descriptors.subarray(32 * i, 32 * (i + 1)));
  }
  return rows;
}

function bitsApart(a: Uint8Array, b: Uint8Array): number {
  let bits = 0;
  for (let i = 0; i < a.length; i++) for (let x = a[i] ^ b[i]; x; x &= x - 1) bits++;
  return bits;
}

async function greyImages(): Promise<GreyImage[]> {
  const out: GreyImage[] = [];
  for (const file of ["building.jpg", "aloe.webp", "smarties.png", "home-small.jpg"]) {
    const image = await decodeImage(readFileSync(join(photos, file)), { maxSide: 1024 });
    const grey = await workingGrey(image);
    out.push(grey, flipGrey(grey), await detailGrey(image));
  }
  return out;
}

describe("native ORB", () => {
  it.skipIf(!native)("is the detector the service loads where the addon was built", async () => {
    expect((await loadOrbDetector()).kind).toBe("native");
  });

  it.skipIf(!native)("finds the keypoints the WASM build finds, with the same responses and descriptors within a few bits", async () => {
    const wasm = await loadWasmOrb();
    let keypoints = 0, differing = 0, worst = 0;
    for (const grey of await greyImages()) {
      for (const [count, fast] of [[1000, 20], [1000, 3], [2000, 5]] as const) {
        const expected = byKeypoint(wasm.detect(grey, count, fast));
        const actual = byKeypoint(native!.detect(grey, count, fast));
        expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
        for (const [key, descriptor] of expected) {
          const apart = bitsApart(descriptor, actual.get(key)!);
          keypoints++;
          if (apart > 0) differing++;
          worst = Math.max(worst, apart);
        }
      }
    }
    expect(keypoints).toBeGreaterThan(10_000);
    // Bounds above what the 176 benchmark photos gave (docs/calibration.md, "Native ORB and matching").
    expect(differing / keypoints).toBeLessThan(0.04);
    expect(worst).toBeLessThanOrEqual(8);
  });

  it.skipIf(!native)("refuses a grey buffer whose length is not width × height", () => {
    const grey = { width: 10, height: 10, data: new Uint8Array(99) };
    expect(() => native!.detect(grey, 100, 20)).toThrow(/width × height/);
    expect(() => native!.detectOffThread!(grey, 100, 20)).toThrow(/width × height/);
  });

  it.skipIf(!native)("finds off the calling thread exactly what it finds on it, many at once", async () => {
    const images = await greyImages();
    const calls = images.flatMap((grey) => [[1000, 20], [1000, 3]].map(([count, fast]) => ({ grey, count, fast })));
    // All queued at once: more than libuv's four threads, each call with its own detector.
    const offThread = await Promise.all(calls.map(({ grey, count, fast }) => native!.detectOffThread!(grey, count, fast)));
    calls.forEach(({ grey, count, fast }, i) => expect(offThread[i], `call ${i}`).toEqual(native!.detect(grey, count, fast)));
  });

  it.skipIf(!native)("lets a worker be terminated while its ORB runs off its thread, the process unharmed", async () => {
    for (let round = 0; round < 8; round++) {
      const worker = new Worker(path.join(__dirname, "../src/work/worker-bootstrap.cjs"), { workerData: { module: path.join(__dirname, "helpers/orb-off-thread-worker.ts") } });
      await new Promise((running) => worker.once("message", running));
      await new Promise((later) => setTimeout(later, 7 * round));
      expect(await worker.terminate()).toBe(1);
    }
    const grey = (await greyImages())[0];
    expect(await native!.detectOffThread!(grey, 1000, 20)).toEqual(native!.detect(grey, 1000, 20));
  });

  it.skipIf(!native)("gives a view the same features whether ORB ran on its thread or off it", async () => {
    const flat = { width: 64, height: 48, data: new Uint8Array(64 * 48).fill(90) };
    for (const grey of [...(await greyImages()), flat]) expect(await orbFeaturesOffThread(native!, grey)).toEqual(orbFeatures(native!, grey));
  });
});
