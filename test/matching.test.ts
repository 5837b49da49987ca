import { readFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { CandidateIndex } from "../src/matching/candidates";
import { ratioTestMatches, wasmRatioTestMatches } from "../src/matching/descriptor-match";
import { nativeAddon } from "../src/matching/native-addon";
import { WASM_BASE64 } from "../src/matching/descriptor-match-wasm";
import { PdqIndex } from "../src/matching/pdq-index";
import { PostingTable } from "../src/matching/postings";
import { fingerprintImage } from "../src/imaging";
import { analyseImage } from "../src/matching/analyse-image";
import { apply, toPixelGeometry } from "../src/matching/geometry";
import { denseQueryFeatures, extractFeatures, flipGrey, keypointCount, orbFeatures, windowFeatures, windowLayout, workingGrey, WORK_SIZE, type ImageFeatures } from "../src/matching/features";
import { decodeImage } from "../src/imaging/decode";
import { createMemoryMatcher, type MemoryMatcher } from "../src/matching/memory-matcher";
import { loadOpenCv, loadWasmOrb, wasmHeapBytes } from "../src/matching/opencv";
import { loadOrbDetector } from "../src/matching/orb-detector";
import { mulberry32, overlapFraction, ransacSimilarity } from "../src/matching/ransac";
import { inlineViews, type QueryViews } from "../src/matching/query-views";
import { regionFeatures } from "../src/matching/region-view";
import { similarityScore } from "../src/matching/score";
import { verifyPair } from "../src/matching/verify-pair";
import { deserializeFeatures, serializeFeatures } from "../src/matching/serialize";
import { applyEdit, decodeRgb, makeStep } from "../scripts/lib/edits";
import { assemble, WASM_SOURCES } from "../scripts/lib/wasm";
import { collage } from "./helpers/collage";
import { sharpEnlarged } from "./helpers/sharp-enlarged";

type Pipeline = ReturnType<typeof sharp>;
const photos = join(__dirname, "fixtures/images/photos");
const read = (f: string) => readFileSync(join(photos, f));

/** A flat "product photo": one object on a white background, 360 px — few keypoints. */
async function productPhoto(hue: number, label: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="360" height="300">
    <rect width="360" height="300" fill="white"/>
    <rect x="110" y="60" rx="18" width="140" height="190" fill="hsl(${hue},60%,45%)"/>
    <circle cx="180" cy="120" r="34" fill="hsl(${(hue + 180) % 360},70%,60%)"/>
    <text x="180" y="215" text-anchor="middle" font-family="DejaVu Sans" font-size="26" fill="white">${label}</text></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 92 }).toBuffer();
}

describe("matching edited copies", () => {
  let matcher: MemoryMatcher;
  let building: Buffer;
  let product: Buffer;

  beforeAll(async () => {
    matcher = createMemoryMatcher();
    building = read("building.jpg");
    product = await productPhoto(210, "AQUA");
    matcher.add("building", await extractFeatures(building));
    matcher.add("aloe", await extractFeatures(read("aloe.webp")));
    matcher.add("smarties", await extractFeatures(read("smarties.png")));
    matcher.add("product", await extractFeatures(product));
    matcher.add("product-2", await extractFeatures(await productPhoto(20, "SOLE")));
  });

  it("finds a copy rotated by 10° and cropped off-centre, with the right transform", async () => {
    const rotated = await sharp(building).rotate(10, { background: "white" }).toBuffer({ resolveWithObject: true });
    const { width, height } = rotated.info;
    const copy = await sharp(rotated.data)
      .extract({ left: Math.round(width * 0.18), top: Math.round(height * 0.12), width: Math.round(width * 0.7), height: Math.round(height * 0.75) })
      .jpeg({ quality: 80 })
      .toBuffer();
    const [hit] = await matcher.search(copy, { limit: 3, threshold: 0 });
    expect(hit.id).toBe("building");
    expect(hit.similarity).toBeGreaterThanOrEqual(92);
    expect(hit.mirrored).toBe(false);
    // Query → original undoes the +10° rotation.
    expect(Math.atan2(hit.transform!.b, hit.transform!.a) * (180 / Math.PI)).toBeCloseTo(-10, 0);
  });

  it.each([
    ["turned by 90°", (s: Pipeline) => s.rotate(90), 90, false],
    ["turned by 180°", (s: Pipeline) => s.rotate(180), 180, false],
    ["turned by 270°", (s: Pipeline) => s.rotate(270), -90, false],
    ["turned by 45° on a grown canvas", (s: Pipeline) => s.rotate(45, { background: "black" }), 45, false],
    ["flipped upside down", (s: Pipeline) => s.flip(), 180, true],
  ] as const)("finds a copy %s, with the rotation it undoes", async (_, edit, turned, mirrored) => {
    const copy = await edit(sharp(building)).jpeg({ quality: 85 }).toBuffer();
    const [hit] = await matcher.search(copy);
    expect(hit.id).toBe("building");
    expect(hit.similarity).toBeGreaterThanOrEqual(92);
    expect(hit.mirrored).toBe(mirrored);
    // Query → original turns back by the edit's angle (modulo 360°).
    const undone = Math.atan2(hit.transform!.b, hit.transform!.a) * (180 / Math.PI);
    expect(Math.abs(((undone + turned + 540) % 360) - 180)).toBeLessThan(2);
  });

  it.each([
    ["40 %", { share: 0.4 }],
    // Too small for the detail view: found by a region proposal (windowFeatures).
    ["22 %", { share: 0.22, left: 420, top: 300 }],
  ] as const)("finds a copy at %s of a collage's width, ranked first, and outlines it in the query's pixels", async (_, layout) => {
    const placed = await collage(building, layout);
    const q = await analyseImage(placed.bytes, { purpose: "query" });
    const [hit] = await matcher.search(q.features);
    expect(hit.id).toBe("building");
    expect(hit.similarity).toBeGreaterThanOrEqual(85);
    const g = toPixelGeometry(hit.geometry!, { width: q.fingerprint.width, height: q.fingerprint.height }, { width: 868, height: 600 });
    for (const [k, [x, y]] of g.region.entries()) {
      expect(Math.hypot(x - placed.corners[k][0], y - placed.corners[k][1]), `corner ${k}`).toBeLessThan(0.02 * 1400);
    }
    // The inlier pairs and the transform agree: each query point maps onto its original point.
    expect(g.queryPoints.length).toBe(hit.inliers);
    g.queryPoints.forEach((p, i) => {
      const [u, v] = apply(g.transform, p);
      expect(Math.hypot(u - g.originalPoints[i][0], v - g.originalPoints[i][1])).toBeLessThan(8);
    });
  });

  it("finds a copy under a semi-transparent logo covering 20 % of the image", async () => {
    const step = makeStep("logo", mulberry32(3), 1);
    const copy = await applyEdit(await decodeRgb(read("aloe.webp")), { family: "logo", label: "logo", steps: [step] });
    const [hit] = await matcher.search(copy);
    expect(hit.id).toBe("aloe");
    expect(hit.similarity).toBeGreaterThanOrEqual(92);
  });

  it("finds a mirrored copy and says it is mirrored", async () => {
    const copy = await sharp(read("smarties.png")).flop().jpeg({ quality: 85 }).toBuffer();
    const [hit] = await matcher.search(copy);
    expect(hit.id).toBe("smarties");
    expect(hit.similarity).toBeGreaterThanOrEqual(92);
    expect(hit.mirrored).toBe(true);
  });

  it("finds a small flat product photo after resizing to 0.5× and recompressing", async () => {
    const copy = await sharp(product).resize(180).jpeg({ quality: 60 }).toBuffer();
    const [hit] = await matcher.search(copy);
    expect(hit.id).toBe("product");
    expect(hit.similarity).toBeGreaterThanOrEqual(92);
  });

  it("scores an unrelated photo below 85", async () => {
    const hits = await matcher.search(read("home-small.jpg"), { threshold: 0 });
    for (const h of hits) expect(h.similarity).toBeLessThan(85);
    expect(await matcher.search(read("home-small.jpg"))).toEqual([]);
  });

  it("forgets removed images", async () => {
    const m = createMemoryMatcher();
    const f = await extractFeatures(read("smarties.png"));
    m.add("a", f);
    expect((await m.search(f)).map((h) => h.id)).toEqual(["a"]);
    expect(m.remove("a")).toBe(true);
    expect(await m.search(f)).toEqual([]);
  });
});

describe("features", () => {
  it("round-trips through the compact serialised form", async () => {
    const f = await extractFeatures(read("building.jpg"));
    const buf = serializeFeatures(f);
    expect(buf.length).toBe(12 + keypointCount(f) * 36);
    const g = deserializeFeatures(buf);
    expect([g.width, g.height]).toEqual([f.width, f.height]);
    expect(g.descriptors).toEqual(f.descriptors);
    for (let i = 0; i < f.keypoints.length; i++) expect(Math.abs(g.keypoints[i] - f.keypoints[i])).toBeLessThanOrEqual(1 / 32);
    expect(() => deserializeFeatures(buf.subarray(0, buf.length - 1))).toThrow(/unreadable/);
    const wrongVersion = Buffer.from(buf);
    wrongVersion[3] = 9;
    expect(() => deserializeFeatures(wrongVersion)).toThrow(/version/);
  });

  it("does not grow the OpenCV WASM heap over repeated extractions", async () => {
    const { cv } = await loadOpenCv();
    const wasm = await loadWasmOrb();
    const grey = await workingGrey(await decodeImage(read("building.jpg")));
    for (let i = 0; i < 3; i++) orbFeatures(wasm, grey);
    const before = wasmHeapBytes(cv);
    for (let i = 0; i < 80; i++) orbFeatures(wasm, grey);
    expect(wasmHeapBytes(cv)).toBe(before);
  });

  it("rejects bytes that are not an image", async () => {
    await expect(extractFeatures(Buffer.from("not an image"))).rejects.toMatchObject({ code: "image_undecodable" });
  });

  it("mirrors a grey image left to right, pixel x of a row to width − 1 − x, whatever its shape", () => {
    for (const [width, height] of [[5, 3], [1, 4], [4, 1], [333, 257]]) {
      const data = Uint8Array.from({ length: width * height }, (_, i) => (i * 2654435761) >>> 24);
      const flipped = flipGrey({ width, height, data });
      expect([flipped.width, flipped.height]).toEqual([width, height]);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) expect(flipped.data[y * width + x]).toBe(data[y * width + width - 1 - x]);
      expect(flipGrey(flipped).data).toEqual(data);
    }
  });

  it("re-extracts denser features for a query (second pass), not for registered images", async () => {
    const building = read("building.jpg");
    const q = await extractFeatures(building, { mirrored: true });
    const dense = denseQueryFeatures({ ...q })!;
    expect(dense).toBeDefined();
    expect(keypointCount(dense)).toBeGreaterThan(keypointCount(q));
    expect(dense.mirrored && keypointCount(dense.mirrored)).toBeGreaterThan(keypointCount(q.mirrored!));
    expect(denseQueryFeatures(await extractFeatures(building))).toBeUndefined();
  });
});

describe("region proposals", () => {
  it("cover the detail view, state keypoints in its coordinates, and hold a copy too small for the detail view at a scale it verifies at", async () => {
    const building = read("building.jpg");
    const original = await extractFeatures(building);
    // 20 % of a 1 400 px collage: 280 px, 205 px in the 1 024 px detail view, against the original's 512.
    const placed = await collage(building, { share: 0.2, left: 300, top: 250 });
    const { features: q } = await analyseImage(placed.bytes, { purpose: "query" });
    await loadOrbDetector();
    const windows = await windowFeatures(q);
    const { width, height } = q.detailGrey!;
    expect(windows.length).toBeGreaterThan(4);
    for (const w of windows) {
      expect([w.width, w.height]).toEqual([width, height]);
      for (let i = 0; i < w.keypoints.length; i += 2) {
        expect(w.keypoints[i]).toBeGreaterThanOrEqual(0);
        expect(w.keypoints[i]).toBeLessThan(width);
        expect(w.keypoints[i + 1]).toBeLessThan(height);
      }
    }
    const best = windows.map((w) => verifyPair(w, original)).sort((a, b) => b.inliers - a.inliers)[0];
    expect(best.inliers).toBeGreaterThan(verifyPair(q, original).inliers);
    expect(best.inliers).toBeGreaterThanOrEqual(26);
    // Query → original scales the copy back up: 512 / 205 ≈ 2.5 in detail-view pixels.
    expect(Math.hypot(best.transform!.a, best.transform!.b)).toBeCloseTo(original.width / (0.2 * width), 0);
    expect(await windowFeatures({ ...q, detailGrey: undefined })).toEqual([]);
  });

  // The windows are enlarged by src/imaging/enlarge-grey.ts, not by sharp: the features must be those of each window
  // cropped and enlarged by sharp, as they were calibrated, whichever part of the windows a thread makes.
  it.each([
    ["a 1 400 px collage: windows enlarged ×2", 1400],
    ["a 900 px collage: ×2.28", 900],
  ])("are the features of each window cropped and enlarged alone (%s)", async (_, width) => {
    const placed = await collage(read("building.jpg"), { width, height: width / 2, share: 0.2, left: Math.round(width / 5), top: Math.round(width / 8) });
    const { features: q } = await analyseImage(placed.bytes, { purpose: "query" });
    const orb = await loadOrbDetector();
    const g = q.detailGrey!;
    const layout = windowLayout(g);
    const alone: ImageFeatures[] = [];
    for (const { left, top } of layout.origins) {
      const window = await sharpEnlarged(g, { left, top, width: layout.width, height: layout.height }, WORK_SIZE);
      const f = orbFeatures(orb, window);
      const k = layout.width / window.width;
      f.keypoints.forEach((v, i) => (f.keypoints[i] = (i % 2 ? top : left) + v * k));
      alone.push({ ...f, width: g.width, height: g.height });
    }
    expect(alone.length).toBeGreaterThan(8);
    expect(await windowFeatures(q)).toEqual(alone);
    const parts = await Promise.all([0, 1, 2].map((part) => windowFeatures(q, { part, parts: 3 })));
    expect(parts.flat()).toEqual(alone);
  });
});

describe("region proposals in the matcher", () => {
  // The pooled views make a query's windows in parts, one per worker: the matcher probes a part's windows as soon as
  // it arrives, while the other parts are still being made, and ranks exactly as with all windows in one part.
  it("probes the first part's windows before the second part is made, and ranks as with one part", async () => {
    const building = read("building.jpg");
    // Too small for the detail view: only a region proposal finds it (as in "matching edited copies").
    const placed = await collage(building, { share: 0.22, left: 420, top: 300 });
    const { features: q } = await analyseImage(placed.bytes, { purpose: "query" });
    const events: string[] = [];
    let probed: () => void = () => undefined;
    const firstProbe = new Promise<void>((done) => (probed = done));
    // Without the detail view, which finds this copy on its own, the windows are what finds it.
    const onePart: QueryViews = { ...inlineViews, detail: async () => undefined };
    const inTwoParts: QueryViews = {
      ...onePart,
      windowParts(query) {
        events.push("windows asked");
        const all = onePart.windowParts(query)[0];
        const first = all.then((w) => w.slice(0, w.length >> 1));
        // The second part arrives once the first has probed, or after a second if nothing probes meanwhile.
        const second = Promise.race([firstProbe, new Promise((done) => setTimeout(done, 1_000))]).then(async () => {
          events.push("second part made");
          return (await all).slice((await all).length >> 1);
        });
        return [first, second];
      },
    };
    const search = async (views: QueryViews) => {
      const m = createMemoryMatcher({ views });
      m.add("building", await extractFeatures(building));
      m.add("aloe", await extractFeatures(read("aloe.webp")));
      const filter = () => {
        if (events.at(-1) === "windows asked") {
          events.push("probed");
          probed();
        }
        return true;
      };
      return m.rank(q, filter);
    };
    const inParts = await search(inTwoParts);
    expect(events).toEqual(["windows asked", "probed", "second part made"]);
    expect(inParts).toEqual(await search(onePart));
    expect(inParts[0]).toMatchObject({ id: "building", similarity: expect.any(Number) });
    expect(inParts[0].similarity).toBeGreaterThanOrEqual(85);
  });
});

describe("region view", () => {
  it("crops the query to where a hit puts the copy, at the original's scale, verifies more of it than the window did, mirrored too", async () => {
    const building = read("building.jpg");
    const original = await extractFeatures(building);
    const placed = await collage(building, { share: 0.2, left: 300, top: 250 });
    const { features: q, fingerprint } = await analyseImage(placed.bytes, { purpose: "query" });
    await loadOrbDetector();
    const window = (await windowFeatures(q)).map((w) => verifyPair(w, original)).sort((a, b) => b.inliers - a.inliers)[0];
    const { width, height } = q.detailGrey!;
    const pixels = { width: fingerprint.width, height: fingerprint.height };
    const outlineError = (g: Parameters<typeof toPixelGeometry>[0], corners: number[][]) =>
      Math.max(...toPixelGeometry(g, pixels, { width: 868, height: 600 }).region.map(([x, y], k) => Math.hypot(x - corners[k][0], y - corners[k][1])));

    const view = (await regionFeatures(q, window.geometry!, false))!;
    expect([view.width, view.height]).toEqual([width, height]);
    const refined = verifyPair(view, original);
    expect(refined.inliers).toBeGreaterThan(window.inliers);
    expect(refined.inliers).toBeGreaterThanOrEqual(26);
    expect(outlineError(refined.geometry!, placed.corners)).toBeLessThan(0.02 * 1400);

    // The same collage flipped left↔right: the outline flipped with it, the crop mirrored back, verified as mirrored.
    const flopped = await sharp(placed.bytes).flop().png().toBuffer();
    const { features: m } = await analyseImage(flopped, { purpose: "query" });
    const w1 = window.geometry!.querySize.width;
    const outline = window.geometry!.region.map(([x, y]) => [w1 - x, y]) as NonNullable<typeof window.geometry>["region"];
    const mirroredView = (await regionFeatures(m, { ...window.geometry!, region: outline }, true))!;
    const mirrored = verifyPair(mirroredView, original, true);
    expect(mirrored.inliers).toBeGreaterThanOrEqual(26);
    const floppedCorners = placed.corners.map(([x, y]) => [pixels.width - x, y]);
    // Mirrored, the original's top-left corner lands on the copy's top-right: compare as sets of corners.
    const region = toPixelGeometry(mirrored.geometry!, pixels, { width: 868, height: 600 }).region;
    for (const [x, y] of region) expect(Math.min(...floppedCorners.map(([u, v]) => Math.hypot(x - u, y - v)))).toBeLessThan(0.02 * 1400);
    expect(await regionFeatures({ ...q, detailGrey: undefined, grey: undefined }, window.geometry!, false)).toBeUndefined();
  });
});

describe("analyseImage", () => {
  it("gives from one decode the fingerprint of fingerprintImage and the features of extractFeatures", async () => {
    const bytes = read("building.jpg");
    const [original, query, fp, features] = await Promise.all([
      analyseImage(bytes, { purpose: "original" }),
      analyseImage(bytes, { purpose: "query" }),
      fingerprintImage(bytes),
      extractFeatures(bytes),
    ]);
    expect(original.fingerprint).toEqual(fp);
    expect(original.features.descriptors).toEqual(features.descriptors);
    expect(Buffer.from(original.features.pdq!.hash)).toEqual(Buffer.from(features.pdq!.hash));
    expect(original.features.grey).toBeUndefined();
    // A query keeps its working image for the views the matcher derives only when it needs them.
    expect(query.features.descriptors).toEqual(features.descriptors);
    expect(query.features.mirrored).toBeUndefined();
    expect(query.features.grey).toMatchObject({ width: features.width, height: features.height });
  });

  it("refuses what decoding refuses, with the same codes and limits", async () => {
    await expect(analyseImage(Buffer.from("not an image"), { purpose: "query" })).rejects.toMatchObject({ code: "unsupported_image_format" });
    await expect(analyseImage(read("building.jpg"), { purpose: "original", limits: { maxPixels: 100_000 } })).rejects.toMatchObject({ code: "image_too_many_pixels" });
  });
});

describe("geometry and scoring", () => {
  it("recovers a known similarity under 60 % outliers, deterministically", () => {
    const r = mulberry32(42);
    const n = 100;
    const src = new Float32Array(2 * n), dst = new Float32Array(2 * n);
    const a = 0.8 * Math.cos(0.2), b = 0.8 * Math.sin(0.2);
    for (let i = 0; i < n; i++) {
      const x = r() * 500, y = r() * 400;
      src[2 * i] = x;
      src[2 * i + 1] = y;
      const inlier = i < 40;
      dst[2 * i] = inlier ? a * x - b * y + 30 + (r() - 0.5) : r() * 500;
      dst[2 * i + 1] = inlier ? b * x + a * y - 12 + (r() - 0.5) : r() * 400;
    }
    const res = ransacSimilarity(src, dst)!;
    expect(res.inliers.length).toBeGreaterThanOrEqual(40);
    expect(res.scale).toBeCloseTo(0.8, 2);
    expect(res.rotationDeg).toBeCloseTo((0.2 * 180) / Math.PI, 1);
    expect(ransacSimilarity(src, dst)).toEqual(res);
  });

  it("computes the covered fraction of the original", () => {
    expect(overlapFraction({ a: 1, b: 0, tx: 0, ty: 0 }, 100, 100, 100, 100)).toBeCloseTo(1);
    expect(overlapFraction({ a: 0.5, b: 0, tx: 0, ty: 0 }, 100, 100, 100, 100)).toBeCloseTo(0.25);
    expect(overlapFraction({ a: 1, b: 0, tx: 50, ty: 0 }, 100, 100, 100, 100)).toBeCloseTo(0.5);
  });

  it("maps evidence monotonically onto 0–100", () => {
    const s = (inliers: number) => similarityScore({ inliers, overlap: 0.9 });
    expect(s(0)).toBe(0);
    for (let k = 1; k < 200; k++) expect(s(k)).toBeGreaterThanOrEqual(s(k - 1));
    expect(s(200)).toBeLessThanOrEqual(100);
  });
});

describe("descriptor matching (WebAssembly SIMD)", () => {
  /** The plain loop the kernel replaces: nearest and second nearest by popcount, Lowe's ratio test. */
  function reference(q: Uint8Array, o: Uint8Array, maxDistance: number, ratio: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < q.length / 32; i++) {
      let best = 257, second = 257, bestJ = -1;
      for (let j = 0; j < o.length / 32; j++) {
        let d = 0;
        for (let k = 0; k < 32; k++) d += popcount8(q[i * 32 + k] ^ o[j * 32 + k]);
        if (d < best) [second, best, bestJ] = [best, d, j];
        else if (d < second) second = d;
      }
      if (bestJ >= 0 && best <= maxDistance && best < ratio * second) out.push(i, bestJ);
    }
    return out;
  }
  const BITS = Uint8Array.from({ length: 256 }, (_, v) => v.toString(2).replace(/0/g, "").length);
  const popcount8 = (v: number) => BITS[v];

  /** n random descriptors, some of them near copies (a few bits flipped) or exact repeats of earlier ones, to make ties. */
  function descriptors(r: () => number, n: number, from?: Uint8Array): Uint8Array {
    const d = new Uint8Array(n * 32).map(() => (r() * 256) | 0);
    for (let i = 0; i < n; i++) {
      const pick = r();
      if (from && from.length && pick < 0.5) {
        const j = (r() * (from.length / 32)) | 0;
        d.set(from.subarray(j * 32, j * 32 + 32), i * 32);
        for (let f = (r() * 40) | 0; f > 0; f--) d[i * 32 + ((r() * 32) | 0)] ^= 1 << ((r() * 8) | 0);
      } else if (i > 0 && pick > 0.9) {
        const j = (r() * i) | 0;
        d.copyWithin(i * 32, j * 32, j * 32 + 32);
      }
    }
    return d;
  }

  // The service's kernel (native where the addon is built) and the WASM one it falls back to.
  const kernels = [
    ["WebAssembly", wasmRatioTestMatches],
    ...(nativeAddon() ? [["native", ratioTestMatches] as const, ["native portable", nativeAddon()!.matchPortable] as const] : []),
  ] as const;

  it.each(kernels)("gives exactly the plain loop's matches, for every original count (not only multiples of the kernels' 4 or 16) and ties (%s)", (_, match) => {
    const r = mulberry32(7);
    for (const no of [0, 1, 2, 3, 4, 5, 7, 15, 16, 17, 31, 64, 129, 500]) {
      const o = descriptors(r, no);
      const q = descriptors(r, 300, o);
      for (const [maxDistance, ratio] of [[64, 0.8], [256, 1], [40, 0.6]]) {
        const got = [...match(q, o, maxDistance, ratio)];
        expect(got).toEqual(reference(q, o, maxDistance, ratio));
        if (no >= 64 && maxDistance === 64) expect(got.length / 2).toBeGreaterThan(100); // the near copies match
      }
    }
  });

  it.skipIf(!nativeAddon())("reads descriptors at any byte offset in the native kernel", () => {
    const r = mulberry32(9);
    const o = descriptors(r, 65), q = descriptors(r, 40, o);
    const shifted = new Uint8Array(q.length + 3);
    shifted.set(q, 3);
    expect([...ratioTestMatches(shifted.subarray(3), o, 64, 0.8)]).toEqual(reference(q, o, 64, 0.8));
  });

  it("grows its WebAssembly memory for large inputs and keeps answering the same", () => {
    const r = mulberry32(8);
    const o = descriptors(r, 2100), q = descriptors(r, 1000, o);
    const first = wasmRatioTestMatches(q, o, 64, 0.8);
    expect([...first]).toEqual(reference(q, o, 64, 0.8));
    expect(wasmRatioTestMatches(q.subarray(0, 320), o.subarray(0, 3200), 64, 0.8)).toEqual(
      Int32Array.from(reference(q.subarray(0, 320), o.subarray(0, 3200), 64, 0.8)),
    );
  });

  it("runs the binary assembled from its committed source (npm run build:wasm)", async () => {
    const [source] = WASM_SOURCES;
    expect(Buffer.from(await assemble(source.wat)).toString("base64")).toBe(WASM_BASE64);
  });
});

describe("candidate index", () => {
  const random = (seed: number, n: number): Uint8Array => {
    const r = mulberry32(seed);
    return new Uint8Array(n * 32).map(() => Math.floor(r() * 256));
  };

  it("ranks the image whose descriptors are near the query first, across merges and removals", () => {
    const index = new CandidateIndex();
    for (let i = 0; i < 200; i++) index.add(`img${i}`, random(i, 200));
    const q = random(77, 200);
    // Flip ~20 of 256 bits in every descriptor.
    const r = mulberry32(1);
    for (let k = 0; k < 20 * 200; k++) q[Math.floor(r() * 200) * 32 + Math.floor(r() * 32)] ^= 1 << Math.floor(r() * 8);
    expect(index.query([q], 3)[0][0].id).toBe("img77");
    for (let i = 100; i < 200; i++) index.remove(`img${i}`);
    expect(index.query([q], 3)[0][0].id).toBe("img77");
    index.remove("img77");
    expect(index.query([q], 3)[0].find((c) => c.id === "img77")).toBeUndefined();
    expect(index.size).toBe(99);
  });
});

describe("candidate index widening", () => {
  // Every descriptor of the copy differs from its original in key bit 10 of every table: the own-key and low-bit
  // probes all miss, only a widened query (bits 8-11) reaches the original.
  const original = new Uint8Array(100 * 32).map((_, i) => (i * 37 + 11) % 256);
  const copy = original.slice();
  for (let i = 0; i < 100; i++) for (let t = 0; t < 4; t++) copy[i * 32 + 3 * t + 1] ^= 1 << 2;

  it("widens only when no view of the query has a clear candidate", () => {
    const index = new CandidateIndex({ keyBits: 16 });
    index.add("original", original);
    expect(index.query([copy], 5)[0][0]).toMatchObject({ id: "original" });
    expect(new CandidateIndex({ keyBits: 16, widenBelow: 0 }).query([copy], 5)[0]).toEqual([]);
    const narrow = new CandidateIndex({ keyBits: 16, widenBelow: 0 });
    narrow.add("original", original);
    expect(narrow.query([copy], 5)[0]).toEqual([]);
    // A clear candidate in the other view (an exact copy in the library) means no widening.
    index.add("exact", copy);
    const [normal, mirrored] = index.query([original, copy], 5);
    expect(normal.map((c) => c.id)).toEqual(["original"]);
    expect(mirrored.map((c) => c.id)).toEqual(["exact"]);
  });
});

describe("posting table", () => {
  it("lists every live posting of a key, whether still in the delta or merged (radix-sorted) into the main part", () => {
    const table = new PostingTable(13);
    const alive = new Uint8Array(4000).fill(1);
    const model = new Map<number, string[]>();
    const r = mulberry32(9);
    const lookup = (key: number) => {
      const out: string[] = [];
      for (let p = table.offsets[key]; p < table.offsets[key + 1]; p++) out.push(`${table.postings[2 * p]}:${table.postings[2 * p + 1]}`);
      for (let e = table.deltaHead[key & table.deltaMask]; e >= 0; e = table.deltaNext[e]) {
        if (table.deltaKey[e] === key) out.push(`${table.deltaSlot[e]}:${table.deltaTag[e]}`);
      }
      return out.filter((posting) => alive[Number(posting.split(":")[0])]).sort();
    };
    const expected = (key: number) => (model.get(key) ?? []).filter((posting) => alive[Number(posting.split(":")[0])]).sort();
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 5000; i++) {
        // Few keys, so that keys hold several postings from several rounds.
        const key = Math.floor(r() * 600) * 13;
        const slot = Math.floor(r() * alive.length);
        const tag = Math.floor(r() * 2 ** 32) | 0;
        table.add(key, slot, tag);
        model.set(key, [...(model.get(key) ?? []), `${slot}:${tag}`]);
      }
      for (let i = 0; i < 200; i++) alive[Math.floor(r() * alive.length)] = 0;
      if (round % 2 === 1) table.merge(alive);
      else table.linkDelta();
      for (let k = 0; k < 600; k++) expect(lookup(k * 13)).toEqual(expected(k * 13));
    }
    expect(table.deltaCount).toBe(0);
    expect(table.mainCount).toBe([...model.values()].flat().filter((posting) => alive[Number(posting.split(":")[0])]).length);
  });
});

describe("posting table merged with every posting kept", () => {
  // A merge without `alive` (no slot released since the last), made in place, must give exactly what a merge into
  // new arrays that checks every posting gives.
  it("builds the offsets and postings of a merge that checks every posting, with runs short and long, at the keys' ends", () => {
    const fast = new PostingTable(12), checked = new PostingTable(12);
    const everyoneAlive = new Uint8Array(5000).fill(1);
    const r = mulberry32(21);
    // Round 0 merges a delta into an empty main part and round 3 an empty delta. A large delta does not fit the room
    // left after the main part and is merged into a new array; a small one (rounds 2, 5, 6) fits and is merged in
    // place, its old postings moved up. Crowded keys make short runs between the delta's keys, a few far-apart keys
    // long ones, and the first and last key are used too; the last round's delta, under two keys only, is too large
    // to fit and leaves long runs to copy into the new array.
    const rounds: { additions: number; keys?: number[] }[] = [300, 1000, 20, 0, 2500, 60, 3].map((additions) => ({ additions }));
    rounds.push({ additions: 600, keys: [2000, 4095] });
    for (const [round, { additions, keys }] of rounds.entries()) {
      for (let i = 0; i < additions; i++) {
        const crowded = i % 3 === 0;
        const key = keys ? keys[i % keys.length] : i % 97 === 0 ? (i % 2 ? 0 : 4095) : crowded ? Math.floor(r() * 40) * 100 : Math.floor(r() * 4096);
        const slot = Math.floor(r() * everyoneAlive.length);
        const tag = Math.floor(r() * 2 ** 32) | 0;
        fast.add(key, slot, tag);
        checked.add(key, slot, tag);
      }
      fast.merge();
      checked.merge(everyoneAlive);
      expect(Buffer.from(fast.offsets.buffer).equals(Buffer.from(checked.offsets.buffer)), `round ${round}: offsets`).toBe(true);
      // The merge in place may keep room after the main part: what counts is the main part.
      expect(fast.mainCount).toBe(checked.mainCount);
      const main = (t: PostingTable) => Buffer.from(t.postings.buffer, t.postings.byteOffset, 8 * t.mainCount);
      expect(main(fast).equals(main(checked)), `round ${round}: postings`).toBe(true);
    }
    expect(fast.mainCount).toBe(rounds.reduce((sum, { additions }) => sum + additions, 0));
  });

  it("moves a short run of old postings up by less than its length without overwriting it", () => {
    const fast = new PostingTable(12), checked = new PostingTable(12);
    const everyoneAlive = new Uint8Array(100).fill(1);
    const both = (key: number, slot: number) => [fast, checked].forEach((t) => t.add(key, slot, slot * 7));
    for (let key = 10; key <= 20; key++) for (let i = 0; i < 3; i++) both(key, key + i);
    fast.merge();
    checked.merge(everyoneAlive);
    // One posting under key 10: the 60 words under keys 11–20 move up by 2.
    both(10, 99);
    both(21, 98);
    fast.merge();
    checked.merge(everyoneAlive);
    const main = (t: PostingTable) => [...t.postings.subarray(0, 2 * t.mainCount)];
    expect(main(fast)).toEqual(main(checked));
    expect([...fast.offsets.subarray(0, 23)]).toEqual([...checked.offsets.subarray(0, 23)]);
  });
});

describe("PDQ index", () => {
  it("finds every stored hash within 47 bits, honours the filter and forgets removed hashes", () => {
    const index = new PdqIndex();
    const r = mulberry32(5);
    const hashes = Array.from({ length: 3000 }, () => new Uint8Array(32).map(() => Math.floor(r() * 256)));
    hashes.forEach((hash, i) => index.add(`h${i}`, { hash, quality: 90 }));
    const flipped = (h: Uint8Array, n: number) => {
      const c = h.slice();
      const bits = new Set<number>();
      while (bits.size < n) bits.add(Math.floor(r() * 256));
      for (const b of bits) c[b >> 3] ^= 1 << (b & 7);
      return c;
    };
    for (const d of [0, 16, 31, 47]) expect(index.nearest(flipped(hashes[42], d))).toEqual({ id: "h42", distance: d, quality: 90 });
    expect(index.nearest(flipped(hashes[42], 120))).toBeUndefined();
    expect(index.nearest(flipped(hashes[42], 10), (id) => id !== "h42")).toBeUndefined();
    index.remove("h42");
    expect(index.nearest(hashes[42])).toBeUndefined();
    expect(index.nearest(hashes[7])?.id).toBe("h7");
  });
});
