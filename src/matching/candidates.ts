/**
 * In-memory candidate index: ORB-descriptor voting via multi-index hashing.
 *
 * Each stored descriptor (256 bits = 16 chunks of 16 bits) is filed under its chunk value in each of
 * `tables` tables. A query descriptor looks up its own chunk values; every stored descriptor sharing
 * a chunk and lying within `maxDistance` bits votes (once per query descriptor) for its image.
 *
 * Memory layout (no per-descriptor JS objects): descriptors in one Int32Array (8 words each), the
 * owning image slot in an Int32Array, and per table a CSR bucket array (offsets Uint32Array(65537) +
 * descriptor ids Uint32Array). New additions go to a small delta merged into the CSR
 * arrays when it grows past `max(4096, 1/8 of the main part)` — amortised O(1) per add. The delta is
 * itself typed: per table a chain head per bucket (Int32Array(65536)) and a next-pointer per delta
 * descriptor, so bulk loading creates no garbage.
 * Removal tombstones the slot; tombstoned descriptors are dropped at the next merge.
 * Per descriptor: 32 B words + 4 B owner + 8 B × tables (id + prefilter word). With 200
 * descriptors/image and 16 tables that is ~35 KB per image.
 *
 * Measured (`npm run bench:robustness -- --index-scale 10000,100000`, random descriptors plus 20 real
 * photos queried with edited copies, 2-core box shared with other jobs):
 *   without the prefilter: 10 k images 218 MB, query (normal + mirrored) median 129 ms;
 *                          100 k images 2.6 GB, median 2.7 s (each check was a cache miss, ~250 ns)
 *   with the prefilter:    10 k images 340 MB, median 48 ms, p99 154 ms;
 *                          100 k images 3.9 GB (39 KB/image), median 1.2 s, p99 2.7 s, build 741 s (loaded box)
 * The work still grows linearly with the index: good to ~10⁴–10⁵ images per process. Beyond that:
 * fewer descriptors per image, sharding, or a bag-of-binary-words vocabulary with an inverted index.
 */
import * as bits from "./hamming-bits";
import { keypointCount, type ImageFeatures } from "./features";

// Bound once: CommonJS output reads an imported function through a getter on every call (see verify-pair.ts).
const { descriptorWords, hamming256, popcount32 } = bits;

export interface CandidateIndexOptions {
  /** Strongest descriptors per image put into the index. */
  descriptorsPerImage?: number;
  /** Number of 16-bit chunks (1–16) used as hash tables. */
  tables?: number;
  /** A query descriptor votes for stored descriptors within this Hamming distance. */
  maxDistance?: number;
}

export interface Candidate {
  id: string;
  votes: number;
}

const BUCKETS = 65536;

export class CandidateIndex {
  readonly descriptorsPerImage: number;
  readonly tables: number;
  readonly maxDistance: number;

  private words = new Int32Array(8 * 1024);
  private owner = new Int32Array(1024);
  private count = 0; // descriptors stored (main + delta)
  private mainCount = 0; // descriptors covered by the CSR arrays
  private offsets: Uint32Array[] = [];
  private ids: Uint32Array[] = [];
  /** Per table, parallel to `ids`: another 32-bit word of the same descriptor, checked first (sequential read). */
  private pre: Int32Array[] = [];
  private deltaHead: Int32Array[] = [];
  private deltaNext: Int32Array[] = [];

  private slotOf = new Map<string, number>();
  private idOfSlot: (string | undefined)[] = [];
  private deadDescriptors = 0;

  // Per-query scratch, indexed by slot.
  private votes = new Uint16Array(1024);
  private lastVoter = new Int32Array(1024).fill(-1);

  constructor(options: CandidateIndexOptions = {}) {
    this.descriptorsPerImage = options.descriptorsPerImage ?? 200;
    this.tables = Math.min(16, Math.max(1, options.tables ?? 16));
    this.maxDistance = options.maxDistance ?? 48;
    for (let t = 0; t < this.tables; t++) {
      this.offsets.push(new Uint32Array(BUCKETS + 1));
      this.ids.push(new Uint32Array(0));
      this.pre.push(new Int32Array(0));
      this.deltaHead.push(new Int32Array(BUCKETS).fill(-1));
      this.deltaNext.push(new Int32Array(4096));
    }
  }

  get size(): number {
    return this.slotOf.size;
  }

  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  add(id: string, features: ImageFeatures): void {
    if (this.slotOf.has(id)) this.remove(id);
    const slot = this.idOfSlot.length;
    this.idOfSlot.push(id);
    this.slotOf.set(id, slot);
    this.ensureSlots(slot + 1);
    const n = Math.min(this.descriptorsPerImage, keypointCount(features));
    const w = descriptorWords(features.descriptors);
    this.ensureDescriptors(this.count + n);
    for (let i = 0; i < n; i++) {
      const d = this.count++;
      this.words.set(w.subarray(i * 8, i * 8 + 8), d * 8);
      this.owner[d] = slot;
      this.link(d);
    }
    if (this.count - this.mainCount > Math.max(4096, this.mainCount / 8)) this.merge();
  }

  remove(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    this.slotOf.delete(id);
    this.idOfSlot[slot] = undefined;
    let dead = 0;
    for (let d = 0; d < this.count; d++) if (this.owner[d] === slot) dead++;
    this.deadDescriptors += dead;
    if (this.deadDescriptors > this.count / 4) this.compact();
    return true;
  }

  /** Images ranked by votes (descending), at most `k`. */
  /** The k images with most votes; `accept` (e.g. a search scope) is applied before the top k are cut. */
  query(features: ImageFeatures, k = 10, accept?: (id: string) => boolean): Candidate[] {
    const q = descriptorWords(features.descriptors);
    const nq = keypointCount(features);
    const touched: number[] = [];
    const { words, owner, votes, lastVoter, maxDistance } = this;
    for (let i = 0; i < nq; i++) {
      for (let t = 0; t < this.tables; t++) {
        const key = chunk(q, i, t);
        const off = this.offsets[t];
        const ids = this.ids[t];
        const pre = this.pre[t];
        const qpre = q[i * 8 + preWord(t)];
        for (let p = off[key], end = off[key + 1]; p < end; p++) {
          if (popcount32(qpre ^ pre[p]) > PREFILTER_BITS) continue;
          const d = ids[p];
          const slot = owner[d];
          if (lastVoter[slot] === i) continue;
          if (hamming256(q, i, words, d) <= maxDistance) {
            if (votes[slot] === 0) touched.push(slot);
            votes[slot]++;
            lastVoter[slot] = i;
          }
        }
        const next = this.deltaNext[t];
        const base = this.mainCount;
        for (let d = this.deltaHead[t][key]; d >= 0; d = next[d - base]) {
          const slot = owner[d];
          if (lastVoter[slot] === i) continue;
          if (hamming256(q, i, words, d) <= maxDistance) {
            if (votes[slot] === 0) touched.push(slot);
            votes[slot]++;
            lastVoter[slot] = i;
          }
        }
      }
    }
    const out: Candidate[] = [];
    for (const slot of touched) {
      const id = this.idOfSlot[slot];
      if (id !== undefined && (!accept || accept(id))) out.push({ id, votes: votes[slot] });
      votes[slot] = 0;
      lastVoter[slot] = -1;
    }
    out.sort((a, b) => b.votes - a.votes || (a.id < b.id ? -1 : 1));
    return out.slice(0, k);
  }

  /** Bytes held by typed arrays (capacity, not just the used part), excluding id strings. */
  memoryBytes(): number {
    let b = this.words.byteLength + this.owner.byteLength + this.votes.byteLength + this.lastVoter.byteLength;
    for (let t = 0; t < this.tables; t++) {
      b += this.offsets[t].byteLength + this.ids[t].byteLength + this.pre[t].byteLength + this.deltaHead[t].byteLength + this.deltaNext[t].byteLength;
    }
    return b;
  }

  /** Fold the delta into the CSR arrays. */
  merge(): void {
    for (let t = 0; t < this.tables; t++) {
      const off = this.offsets[t];
      const old = this.ids[t];
      const head = this.deltaHead[t], base = this.mainCount;
      const next = new Uint32Array(BUCKETS + 1);
      for (let k = 0; k < BUCKETS; k++) next[k + 1] = off[k + 1] - off[k];
      for (let d = base; d < this.count; d++) next[chunk(this.words, d, t) + 1]++;
      for (let k = 0; k < BUCKETS; k++) next[k + 1] += next[k];
      const ids = new Uint32Array(next[BUCKETS]);
      const cursor = next.slice(0, BUCKETS);
      for (let k = 0; k < BUCKETS; k++) {
        let p = cursor[k];
        for (let s = off[k], end = off[k + 1]; s < end; s++) ids[p++] = old[s];
        cursor[k] = p;
      }
      for (let d = base; d < this.count; d++) ids[cursor[chunk(this.words, d, t)]++] = d;
      const pre = new Int32Array(ids.length);
      const w = preWord(t);
      for (let p = 0; p < ids.length; p++) pre[p] = this.words[ids[p] * 8 + w];
      this.offsets[t] = next;
      this.ids[t] = ids;
      this.pre[t] = pre;
      head.fill(-1);
    }
    this.mainCount = this.count;
  }

  /** Drop tombstoned descriptors and rebuild the tables. */
  private compact(): void {
    const remap = new Int32Array(this.idOfSlot.length).fill(-1);
    const ids: (string | undefined)[] = [];
    this.idOfSlot.forEach((id, slot) => {
      if (id !== undefined) {
        remap[slot] = ids.length;
        ids.push(id);
      }
    });
    let n = 0;
    for (let d = 0; d < this.count; d++) {
      const s = remap[this.owner[d]];
      if (s < 0) continue;
      this.words.copyWithin(n * 8, d * 8, d * 8 + 8);
      this.owner[n++] = s;
    }
    this.count = n;
    this.idOfSlot = ids;
    this.slotOf = new Map(ids.map((id, s) => [id!, s]));
    this.deadDescriptors = 0;
    this.mainCount = 0;
    for (let t = 0; t < this.tables; t++) {
      this.offsets[t] = new Uint32Array(BUCKETS + 1);
      this.ids[t] = new Uint32Array(0);
      this.pre[t] = new Int32Array(0);
    }
    this.merge(); // every surviving descriptor is "delta" now (mainCount = 0)
  }

  /** File descriptor d (≥ mainCount) in every table's delta chain. */
  private link(d: number): void {
    const r = d - this.mainCount;
    for (let t = 0; t < this.tables; t++) {
      if (r >= this.deltaNext[t].length) {
        const grown = new Int32Array(Math.max(r + 1, this.deltaNext[t].length * 2));
        grown.set(this.deltaNext[t]);
        this.deltaNext[t] = grown;
      }
      const key = chunk(this.words, d, t);
      this.deltaNext[t][r] = this.deltaHead[t][key];
      this.deltaHead[t][key] = d;
    }
  }

  private ensureDescriptors(n: number): void {
    if (n <= this.owner.length) return;
    const cap = Math.max(n, this.owner.length * 2);
    const w = new Int32Array(cap * 8);
    w.set(this.words.subarray(0, this.count * 8));
    this.words = w;
    const o = new Int32Array(cap);
    o.set(this.owner.subarray(0, this.count));
    this.owner = o;
  }

  private ensureSlots(n: number): void {
    if (n <= this.votes.length) return;
    const cap = Math.max(n, this.votes.length * 2);
    const v = new Uint16Array(cap);
    v.set(this.votes);
    this.votes = v;
    const l = new Int32Array(cap).fill(-1);
    l.set(this.lastVoter);
    this.lastVoter = l;
  }
}

/**
 * Prefilter: a stored descriptor is Hamming-checked only if the word preWord(t) — one that does not
 * contain chunk t — differs in ≤ PREFILTER_BITS of 32. Random descriptors pass ~11 % of the time; a
 * descriptor within 48 bits of the query differs in ~6 bits of a word on average, so few are lost.
 */
const PREFILTER_BITS = 12;
function preWord(t: number): number {
  return ((t >>> 1) + 4) & 7;
}

/** 16-bit chunk t (0–15) of descriptor d in a word array. */
function chunk(words: Int32Array, d: number, t: number): number {
  const w = words[d * 8 + (t >>> 1)];
  return t & 1 ? w >>> 16 : w & 0xffff;
}
