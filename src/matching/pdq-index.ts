/**
 * In-memory nearest-PDQ lookup by multi-index hashing: the 256-bit hash is cut into 16 chunks of 16 bits, each
 * chunk keys one inverted list. Two hashes within 16·r + 15 bits agree to within r bits on at least one chunk
 * (pigeonhole), so probing every chunk's ball of radius r finds every stored hash within that distance, and
 * only those are compared in full. With r = 2 (137 probes per chunk) that is every hash within 47 bits: all of
 * the range where PDQ alone is evidence (≤ 44 bits ⇒ similarity ≥ 85, src/matching/score.ts). Farther hashes
 * are found too when one chunk happens to be within 2 bits — for a hash 56 bits away almost always, 76 bits ~80 %,
 * 87 bits ~60 % — and they still count: a near-but-inconclusive PDQ is what sends a hard query (a smooth sky
 * under a watermark) to the matcher's second pass. Unrelated photos were never nearer than 88 bits.
 */
import { hammingBytes as importedHammingBytes } from "../core/hamming";
import type { GlobalHash } from "./features";
import { PostingTable } from "./postings";
import { Slots } from "./slots";

/** Bound once (CommonJS import getters, see verify-pair.ts). */
const hammingBytes = importedHammingBytes;

const CHUNKS = 16;
/** Per-chunk probe radius; the index finds every hash within 16 · PROBE_RADIUS + 15 bits. */
const PROBE_RADIUS = 2;
export const PDQ_SEARCH_RADIUS = 16 * PROBE_RADIUS + 15;
/** Hashes farther than this are never reported (no similarity at all, src/matching/score.ts). */
export const PDQ_MAX_DISTANCE = 87;

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
  private hashes = new Uint8Array(1024 * 32);
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
    this.hashes.set(pdq.hash.subarray(0, 32), slot * 32);
    this.quality[slot] = Math.max(0, Math.min(255, Math.round(pdq.quality)));
    for (let c = 0; c < CHUNKS; c++) this.tables[c].add(chunk(pdq.hash, 0, c), slot, 0);
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
    if (this.tables[0].mergeDueOnQuery) this.merge();
    const run = ++this.queries;
    let best: PdqNeighbour | undefined;
    let bestD = PDQ_MAX_DISTANCE + 1;
    const visit = (slot: number) => {
      if (this.lastSeen[slot] === run) return;
      this.lastSeen[slot] = run;
      const id = this.slots.idOf(slot);
      if (id === undefined) return;
      const d = hammingBytes(hash, this.hashes.subarray(slot * 32, slot * 32 + 32));
      if (d < bestD && (!accept || accept(id))) [best, bestD] = [{ id, distance: d, quality: this.quality[slot] }, d];
    };
    for (let c = 0; c < CHUNKS; c++) {
      const t = this.tables[c];
      const own = chunk(hash, 0, c);
      for (const flip of BALL) {
        const key = own ^ flip;
        for (let p = 2 * t.offsets[key], end = 2 * t.offsets[key + 1]; p < end; p += 2) visit(t.postings[p]);
        for (let e = t.deltaHead[key & t.deltaMask]; e >= 0; e = t.deltaNext[e]) if (t.deltaKey[e] === key) visit(t.deltaSlot[e]);
      }
    }
    return best;
  }

  merge(): void {
    for (const t of this.tables) t.merge(this.slots.alive);
  }

  memoryBytes(): number {
    return this.slots.memoryBytes() + this.hashes.byteLength + this.quality.byteLength + this.lastSeen.byteLength + this.tables.reduce((b, t) => b + t.memoryBytes(), 0);
  }

  private grow(capacity: number): void {
    const h = new Uint8Array(capacity * 32);
    h.set(this.hashes);
    this.hashes = h;
    const q = new Uint8Array(capacity);
    q.set(this.quality);
    this.quality = q;
    const l = new Int32Array(capacity).fill(-1);
    l.set(this.lastSeen);
    this.lastSeen = l;
  }
}

/** 16-bit chunk c of the 32-byte hash at `base`. */
function chunk(h: Uint8Array, base: number, c: number): number {
  return h[base + 2 * c] | (h[base + 2 * c + 1] << 8);
}
