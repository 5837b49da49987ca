import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FeatureCache } from "../src/matching/feature-cache";
import { extractFeatures, topFeatures, type ImageFeatures } from "../src/matching/features";
import { createMatcher, STORED_KEYPOINTS, type FeatureLoader } from "../src/matching/matcher";
import { rotatedCrop } from "./helpers/edits";

const read = (name: string) => readFileSync(path.join(__dirname, "fixtures/images/photos", name));

/** Features of `keypoints` keypoints: 8 + 32 bytes each, plus the entry's fixed allowance (256). */
const features = (keypoints: number): ImageFeatures => ({
  width: 512,
  height: 512,
  keypoints: new Float32Array(2 * keypoints),
  descriptors: new Uint8Array(32 * keypoints),
});
const ENTRY = 40 * 100 + 256;

/** A loader over `stored` that records the ids of every call. */
function recordingLoader(stored: Map<string, ImageFeatures>): { load: FeatureLoader; calls: string[][] } {
  const calls: string[][] = [];
  const load: FeatureLoader = async (ids) => {
    calls.push([...ids]);
    return new Map(ids.flatMap((id) => (stored.has(id) ? [[id, stored.get(id)!] as const] : [])));
  };
  return { load, calls };
}

describe("the verification feature cache", () => {
  it("reads only what it lacks, in one call, and serves the rest from memory", async () => {
    const stored = new Map(["a", "b", "c"].map((id) => [id, features(100)]));
    const { load, calls } = recordingLoader(stored);
    const cache = new FeatureCache(load, 10 * ENTRY);

    const first = await cache.load(["a", "b"]);
    expect([...first.keys()]).toEqual(["a", "b"]);
    const second = await cache.load(["b", "c", "gone"]);
    expect(calls).toEqual([["a", "b"], ["c", "gone"]]);
    expect(second.get("b")).toBe(stored.get("b"));
    expect(second.get("c")).toBe(stored.get("c"));
    expect(second.has("gone")).toBe(false);
    expect(cache.status()).toEqual({ images: 3, bytes: 3 * ENTRY, hits: 1, misses: 4 });
  });

  it("stays within its budget, the least recently used out first", async () => {
    const stored = new Map(["a", "b", "c", "d"].map((id) => [id, features(100)]));
    const { load, calls } = recordingLoader(stored);
    const cache = new FeatureCache(load, 3 * ENTRY);
    await cache.load(["a", "b", "c"]);
    await cache.load(["a"]); // a is now the most recent: b goes first
    await cache.load(["d"]);
    expect(cache.status()).toMatchObject({ images: 3, bytes: 3 * ENTRY });
    calls.length = 0;
    await cache.load(["a", "c", "d"]);
    expect(calls).toEqual([]);
    await cache.load(["b"]);
    expect(calls).toEqual([["b"]]);
    expect(cache.status().bytes).toBeLessThanOrEqual(3 * ENTRY);
  });

  it("keeps nothing with a budget of 0, or an image larger than its budget", async () => {
    const stored = new Map([["a", features(100)]]);
    const { load, calls } = recordingLoader(stored);
    for (const budget of [0, ENTRY - 1]) {
      calls.length = 0;
      const cache = new FeatureCache(load, budget);
      await cache.load(["a"]);
      await cache.load(["a"]);
      expect(calls).toEqual([["a"], ["a"]]);
      expect(cache.status()).toEqual({ images: 0, bytes: 0, hits: 0, misses: 2 });
    }
  });

  it("serves a matcher's repeated candidates from memory, with the same hits, and forgets a removed image", async () => {
    const stored = new Map<string, ImageFeatures>();
    for (const name of ["aloe.webp", "building.jpg"]) stored.set(name, topFeatures(await extractFeatures(read(name)), STORED_KEYPOINTS));
    const hitsOf = async (featureCacheBytes: number) => {
      const { load, calls } = recordingLoader(stored);
      const matcher = createMatcher({ loadFeatures: load, featureCacheBytes });
      for (const [id, f] of stored) matcher.add(id, { descriptors: f.descriptors });
      const query = await rotatedCrop(read("aloe.webp"));
      const hits = [await matcher.search(query), await matcher.search(query)];
      return { matcher, calls, hits };
    };
    const uncached = await hitsOf(0);
    const cached = await hitsOf(1024 * 1024);
    expect(cached.hits).toEqual(uncached.hits);
    expect(cached.hits[0][0]).toMatchObject({ id: "aloe.webp" });
    expect(cached.calls.length).toBeLessThan(uncached.calls.length);
    expect(cached.calls.flat()).not.toContain(undefined);
    const { hits, misses } = cached.matcher.featureCache();
    expect(hits).toBeGreaterThan(0);
    expect(misses).toBe(new Set(cached.calls.flat()).size);

    cached.matcher.remove("aloe.webp");
    expect(cached.matcher.featureCache().images).toBe(new Set(cached.calls.flat()).size - 1);
  });
});
