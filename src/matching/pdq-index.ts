/**
 * In-memory nearest-PDQ lookup by multi-index hashing: the 256-bit hash is cut into 16 chunks of 16 bits, each
 * chunk keys one inverted list. Two hashes within 16·r + 15 bits agree to within r bits on at least one chunk
 * (pigeonhole), so probing every chunk's ball of radius r finds every stored hash within that distance, and
 * only those are compared in full. With r = 2 (137 probes per chunk) that is every hash within 47 bits: all of
 * the range where PDQ alone is evidence (≤ 44 bits ⇒ similarity ≥ 85, src/matching/score.ts). Farther hashes
 * are found too when one chunk happens to be within 2 bits — for a hash 56 bits away almost always, 76 bits ~80 %,
 * 87 bits ~60 % — and they still count: a near-but-inconclusive PDQ is what sends a hard query (a smooth sky
 * under a watermark) to the matcher's second pass. Unrelated photos were never nearer than 88 bits.
 *
 * At 1 M hashes a query reaches ~33 k postings, and comparing each in full is a random read into 32 MB of hashes.
 * So each posting carries a 32-bit word of its hash that does not contain the chunk it is filed under, and only
 * postings within TAG_BITS of the query's word are compared in full (~¼ of random ones). A hash within 44 bits
 * fails that check only if ≥ 15 of its differences fall in those 32 bits: p < 10⁻⁴.
 */
import type { GlobalHash } from "./features";
import { popcount32 as importedPopcount32 } from "./hamming-bits";
import { PostingTable, readyForLookups } from "./postings";
import { Slots } from "./slots";
import { grown } from "./typed-arrays";

/** Bound once (CommonJS import getters, see verify-pair.ts). */
const popcount32 = importedPopcount32;

const CHUNKS = 16;
/** Per-chunk probe radius; the index finds every hash within 16 · PROBE_RADIUS + 15 bits. */
const PROBE_RADIUS = 2;
export const PDQ_SEARCH_RADIUS = 16 * PROBE_RADIUS + 15;
/** Hashes farther than this are never reported (no similarity at all, src/matching/score.ts). */
export const PDQ_MAX_DISTANCE = 87;
const TAG_BITS = 14;

export interface PdqNeighbour {
  id: string;
  distance: number;
  quality: number;
}

/** Chunk values within PROBE_RADIUS bits of c (c first). */
const BALL: readonly number[] = (() => {
  const out = [0];
  for (let i = 0; i < 16; i++) out.push(1 << i);
  for (let i = 0; i < 16; i++) for (let j = i + 1; j < 16; j++) out.push((1 << i) | (1 << j));
  return out;
})();

export class PdqIndex {
  private readonly slots = new Slots((capacity) => this.grow(capacity));
  /** 8 int32 words per slot (little-endian bytes of the hash). */
  private words = new Int32Array(1024 * 8);
  private quality = new Uint8Array(1024);
  private lastSeen = new Int32Array(1024).fill(-1);
  private queries = 0;
  private readonly tables = Array.from({ length: CHUNKS }, () => new PostingTable(16));

  get size(): number {
    return this.slots.size;
  }

  add(id: string, pdq: GlobalHash): void {
    this.remove(id);
    const slot = this.slots.assign(id);
    const w = hashWords(pdq.hash);
    this.words.set(w, slot * 8);
    this.quality[slot] = Math.max(0, Math.min(255, Math.round(pdq.quality)));
    for (let c = 0; c < CHUNKS; c++) this.tables[c].add(chunk(w, c), slot, w[tagWord(c)]);
    if (this.tables[0].mergeDueOnAdd) this.merge();
  }

  remove(id: string): boolean {
    return this.slots.release(id) !== undefined;
  }

  /**
   * The nearest stored hash that `accept` accepts among those the probes reach: every hash within
   * PDQ_SEARCH_RADIUS bits, and some up to PDQ_MAX_DISTANCE. Undefined when none.
   */
  nearest(hash: Uint8Array, accept?: (id: string) => boolean): PdqNeighbour | undefined {
    readyForLookups(this.tables, () => this.merge());
    const run = ++this.queries;
    const q = hashWords(hash);
    const [q0, q1, q2, q3, q4, q5, q6, q7] = q;
    const { words, lastSeen } = this;
    const alive = this.slots.alive;
    let best: PdqNeighbour | undefined;
    let bestD = PDQ_MAX_DISTANCE + 1;
    const visit = (slot: number) => {
      if (lastSeen[slot] === run || !alive[slot]) return;
      lastSeen[slot] = run;
      const o = slot * 8;
      const d =
        popcount32(q0 ^ words[o]) + popcount32(q1 ^ words[o + 1]) + popcount32(q2 ^ words[o + 2]) + popcount32(q3 ^ words[o + 3]) +
        popcount32(q4 ^ words[o + 4]) + popcount32(q5 ^ words[o + 5]) + popcount32(q6 ^ words[o + 6]) + popcount32(q7 ^ words[o + 7]);
      if (d >= bestD) return;
      const id = this.slots.idOf(slot)!;
      if (!accept || accept(id)) [best, bestD] = [{ id, distance: d, quality: this.quality[slot] }, d];
    };
    for (let c = 0; c < CHUNKS; c++) {
      const t = this.tables[c];
      const own = chunk(q, c);
      const tag = q[tagWord(c)];
      for (const flip of BALL) {
        const key = own ^ flip;
        for (let p = 2 * t.offsets[key], end = 2 * t.offsets[key + 1]; p < end; p += 2) {
          if (popcount32(tag ^ t.postings[p + 1]) <= TAG_BITS) visit(t.postings[p]);
        }
        for (let e = t.deltaHead[key & t.deltaMask]; e >= 0; e = t.deltaNext[e]) {
          if (t.deltaKey[e] === key && popcount32(tag ^ t.deltaTag[e]) <= TAG_BITS) visit(t.deltaSlot[e]);
        }
      }
    }
    return best;
  }

  merge(): void {
    const alive = this.slots.aliveForMerge();
    for (const t of this.tables) t.merge(alive);
  }

  memoryBytes(): number {
    return this.slots.memoryBytes() + this.words.byteLength + this.quality.byteLength + this.lastSeen.byteLength + this.tables.reduce((b, t) => b + t.memoryBytes(), 0);
  }

  private grow(capacity: number): void {
    this.words = grown(this.words, capacity * 8);
    this.quality = grown(this.quality, capacity);
    this.lastSeen = grown(this.lastSeen, capacity, -1);
  }
}

/** The 32-byte hash as 8 int32 words (little-endian), copied so that alignment never matters. */
function hashWords(hash: Uint8Array): Int32Array {
  return new Int32Array(Uint8Array.from(hash.subarray(0, 32)).buffer);
}

/** 16-bit chunk c (0–15) of a hash in words. */
function chunk(w: Int32Array, c: number): number {
  const word = w[c >>> 1];
  return c & 1 ? word >>> 16 : word & 0xffff;
}

/** The word a chunk-c posting carries as its tag: one that does not contain chunk c. */
function tagWord(c: number): number {
  return ((c >>> 1) + 4) & 7;
}
