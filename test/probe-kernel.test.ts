/**
 * The candidate index's probe compiled in the native addon (src/matching/native/probe.cc) against its TypeScript
 * (src/matching/probe-kernel.ts): the same votes, the same first voters, the same slots touched in the same order, on
 * tables with crowded keys, postings both merged and still in the delta, removed images, and widened probes; and
 * the same candidates from whole indexes built on each. Runs where the addon was built (.ci/run installs OpenCV's
 * headers, which npm install builds it with).
 */
import { describe, expect, it } from "vitest";
import { CandidateIndex } from "../src/matching/candidates";
import { nativeAddon, nativeProbeKernel } from "../src/matching/native-addon";
import { PostingTable } from "../src/matching/postings";
import { key24, signature, typeScriptProbe, type Probe, type Scratch } from "../src/matching/probe-kernel";
import { mulberry32 } from "../src/matching/ransac";

const native = nativeProbeKernel();
const KEY_BITS = 14;
const SLOTS = 3000;

/** Random descriptors, and copies of some of them with a few bits flipped (key bits included, so widening finds some). */
function descriptors(seed: number, count: number, near?: Uint8Array): Uint8Array {
  const r = mulberry32(seed);
  const out = new Uint8Array(count * 32).map(() => Math.floor(r() * 256));
  if (near) {
    for (let i = 0; i < count; i += 2) {
      out.set(near.subarray(((i * 7) % (near.length / 32)) * 32, ((i * 7) % (near.length / 32)) * 32 + 32), i * 32);
      for (let flip = 0; flip < 6; flip++) out[i * 32 + Math.floor(r() * 32)] ^= 1 << Math.floor(r() * 8);
    }
  }
  return out;
}

/** Four tables filed as the index files them, some postings merged and the rest left in the (chained) delta. */
function tables(stored: Uint8Array): PostingTable[] {
  const out = Array.from({ length: 4 }, () => new PostingTable(KEY_BITS));
  const alive = new Uint8Array(SLOTS).fill(1);
  const mask = 2 ** KEY_BITS - 1;
  const n = stored.length / 32;
  for (let i = 0; i < n; i++) {
    // Several descriptors per slot: an image can have two descriptors under one key.
    const slot = i % SLOTS;
    for (let t = 0; t < 4; t++) out[t].add(key24(stored, i * 32, t) & mask, slot, signature(stored, i * 32));
    if (i === Math.floor(n / 2)) {
      for (let s = 0; s < SLOTS; s += 17) alive[s] = 0;
      for (const table of out) table.merge(alive);
    }
  }
  for (const table of out) table.linkDelta();
  return out;
}

const scratch = (): Scratch => ({ votes: new Uint16Array(SLOTS), lastVoter: new Int32Array(SLOTS).fill(-1) });

describe.skipIf(!native)("the native probe", () => {
  const stored = descriptors(1, 40_000);

  it("casts the TypeScript probe's votes, touching the same slots in the same order", () => {
    const filed = tables(stored);
    expect(filed[0].deltaCount).toBeGreaterThan(0);
    expect(filed[0].mainCount).toBeGreaterThan(0);
    for (const seed of [2, 3, 4]) {
      const query = descriptors(seed, 600, stored);
      const expected = scratch(), actual = scratch();
      const expectedTouched: number[] = [], actualTouched: number[] = [];
      // The first probe, then a widened one on the same scratch (as a query without a clear candidate widens).
      for (const [fromBit, toBit] of [[-1, 8], [8, 12]]) {
        const probe: Probe = { descriptors: query, count: 500, fromBit, toBit, maxSignatureDistance: 6, keyMask: 2 ** KEY_BITS - 1 };
        typeScriptProbe(probe, filed, expected, expectedTouched);
        native!(probe, filed, actual, actualTouched);
        expect(actualTouched).toEqual(expectedTouched);
        expect(Buffer.from(actual.votes.buffer).equals(Buffer.from(expected.votes.buffer))).toBe(true);
        expect(Buffer.from(actual.lastVoter.buffer).equals(Buffer.from(expected.lastVoter.buffer))).toBe(true);
      }
      expect(expectedTouched.length).toBeGreaterThan(100);
      expect(Math.max(...expected.votes)).toBeGreaterThan(1);
    }
  });

  it("gives a whole index the same candidates as the TypeScript probe, after additions, merges and removals", () => {
    const indexes = [typeScriptProbe, native!].map((probeKernel) => new CandidateIndex({ keyBits: 16, probeKernel }));
    const images = Array.from({ length: 400 }, (_, i) => descriptors(100 + i, 64));
    // Each query holds near copies of a few images' descriptors (and random ones), so that many images get votes.
    const queries = [0, 1, 2].map((seed) => descriptors(50 + seed, 500, Buffer.concat(images.slice(seed * 20, seed * 20 + 12))));
    const answers = () => indexes.map((index) => queries.map((q) => index.query([q, q.slice().reverse()], 1000, (id) => !id.endsWith("3"), 500)));
    for (const index of indexes) images.forEach((d, i) => index.add(`img${i}`, d));
    let [typeScript, compiled] = answers();
    expect(compiled).toEqual(typeScript);
    expect(typeScript.flat(2).length).toBeGreaterThan(20);
    for (const index of indexes) for (let i = 0; i < 400; i += 3) index.remove(`img${i}`);
    for (const index of indexes) images.slice(0, 50).forEach((d, i) => index.add(`late${i}`, d));
    [typeScript, compiled] = answers();
    expect(compiled).toEqual(typeScript);
  });

  it("refuses a key mask or flipped bit outside its tables, and arguments that are not its arrays, with an error", () => {
    const filed = tables(stored.subarray(0, 3200));
    const probe = (over: Partial<Probe>) => () =>
      native!({ descriptors: stored.subarray(0, 3200), count: 100, fromBit: -1, toBit: 8, maxSignatureDistance: 6, keyMask: 2 ** KEY_BITS - 1, ...over }, filed, scratch(), []);
    expect(probe({ keyMask: 2 ** (KEY_BITS + 1) - 1 })).toThrow(/outside a table/);
    expect(probe({ toBit: KEY_BITS + 1 })).toThrow(/outside a table/);
    expect(() => nativeAddon()!.probe(stored, 1, -1, 8, 6, 2 ** KEY_BITS - 1, [[new Uint8Array(4) as never]], new Uint16Array(4), new Int32Array(4))).toThrow(/a table is/);
  });
});
