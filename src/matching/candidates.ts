/**
 * In-memory candidate index: which library images share local features with a query, without scanning.
 *
 * Locality-sensitive hashing of ORB descriptors with an inverted file. Each of the first `descriptorsPerImage`
 * descriptors of an image (strongest first, spread over the image) is filed in `tables` tables; table t is keyed
 * by descriptor bits [24t, 24t + keyBits) — ORB's tests are trained to be uncorrelated, so contiguous runs are
 * as good as random picks. A posting is (image slot, signature), the signature being bits 224–255 (disjoint from
 * every key), checked before a posting votes (Hamming embedding): a random descriptor passes ≤ 6 of 32 differing
 * bits with p ≈ 0.03 %, a true correspondence (typically 5–30 of 256 bits apart) ~95 % of the time. A query
 * descriptor probes its own key and the 8 keys one bit away in its lowest 8 bits (multi-probe that stays within
 * 256 neighbouring keys, so the extra probes mostly hit memory the first one brought in: at 1 M images a probe
 * far away costs ~0.4 µs, mostly TLB and cache misses), and votes at most once per image. A query that finds no
 * clear candidate this way widens to the keys one bit away in bits 8–11 too (see `query`). Only the query's 150
 * strongest descriptors probe: on the benchmark's edited photos they hold ~95 % of the correspondences to an
 * original's 64 strongest. Measured on 1 012 edited queries (24 photo edits × 44 photos, 176 indexed):
 * the original gets ≥ 3 votes in 99.5 % of them (median 45); the best wrong image gets a median of 3.
 *
 * Per indexed descriptor: 8 B × tables. With the defaults (64 descriptors, 4 tables) that is 2 KB per image,
 * ~2 GB at 1 M images, plus 16 MB of offsets per table (22-bit keys at 1 M). The full features used to verify a
 * candidate are not kept here; the matcher loads them for the few candidates it verifies.
 *
 * Measured with `npm run bench:search` (synthetic descriptors) and `npm run bench:robustness` (real photos);
 * figures in the README.
 */
import { DESCRIPTOR_BYTES } from "./features";
import { nativeProbeKernel } from "./native-addon";
import { PostingTable, readyForLookups } from "./postings";
import { key24, signature, typeScriptProbe, type ProbeKernel, type Scratch } from "./probe-kernel";
import { Slots } from "./slots";
import { grown } from "./typed-arrays";

export interface CandidateIndexOptions {
  /** Strongest descriptors per image put into the index (default 64). */
  descriptorsPerImage?: number;
  /** Hash tables (1–9, default 4). */
  tables?: number;
  /** Key length (16–24 bits). Default: from `expectedImages` (keyBitsFor). */
  keyBits?: number;
  /** Library size to tune the key length for (default 0: the shortest keys). */
  expectedImages?: number;
  /** A posting votes when its signature differs from the query's in at most this many of 32 bits (default 6). */
  maxSignatureDistance?: number;
  /** A query descriptor also probes the keys one bit away from its own in their lowest probeBits bits (default 8). */
  probeBits?: number;
  /** Strongest query descriptors that probe (default 150). */
  queryDescriptors?: number;
  /** A query without an accepted image at this many votes widens its probes (default WIDEN_BELOW; 0: never). */
  widenBelow?: number;
  /** A widened query also probes the keys one bit away in key bits [probeBits, wideProbeBits) (default 12). */
  wideProbeBits?: number;
  /** The probe's inner loop (default: the native addon's where it was built, else TypeScript's; the same votes). */
  probeKernel?: ProbeKernel;
}

export interface Candidate {
  id: string;
  votes: number;
}

export const INDEX_DESCRIPTORS = 64;
export const WIDEN_BELOW = 8;

/**
 * The library size a process sizes its keys for: twice the images it starts with, at least 100 k (19-bit keys).
 * Keys stay fixed while the process runs; a restart after much growth re-sizes them.
 */
export function plannedLibrarySize(imagesAtStart: number): number {
  return Math.max(2 * imagesAtStart, 100_000);
}

/** Keys for ~16 postings per key: two cache lines scanned per probe, and 4× smaller offsets than 4 per key. */
export function keyBitsFor(expectedImages: number, descriptorsPerImage = INDEX_DESCRIPTORS): number {
  return Math.min(24, Math.max(16, Math.ceil(Math.log2(Math.max(1, (expectedImages * descriptorsPerImage) / 16)))));
}

export class CandidateIndex {
  readonly descriptorsPerImage: number;
  readonly keyBits: number;
  readonly maxSignatureDistance: number;
  readonly probeBits: number;
  readonly queryDescriptors: number;
  readonly widenBelow: number;
  readonly wideProbeBits: number;
  private readonly probeKernel: ProbeKernel;
  private readonly tables: PostingTable[] = [];

  private readonly slots = new Slots((capacity) => this.growScratch(capacity));
  private deadPostings = 0;

  /** Per-query scratch of each view, indexed by slot. */
  private readonly scratch: Scratch[] = [];

  constructor(options: CandidateIndexOptions = {}) {
    this.descriptorsPerImage = options.descriptorsPerImage ?? INDEX_DESCRIPTORS;
    const tables = Math.min(9, Math.max(1, options.tables ?? 4));
    this.keyBits = options.keyBits ?? keyBitsFor(options.expectedImages ?? 0, this.descriptorsPerImage);
    this.maxSignatureDistance = options.maxSignatureDistance ?? 6;
    this.probeBits = Math.min(this.keyBits, options.probeBits ?? 8);
    this.queryDescriptors = options.queryDescriptors ?? 150;
    this.widenBelow = options.widenBelow ?? WIDEN_BELOW;
    this.wideProbeBits = Math.min(this.keyBits, options.wideProbeBits ?? 12);
    this.probeKernel = options.probeKernel ?? nativeProbeKernel() ?? typeScriptProbe;
    for (let t = 0; t < tables; t++) this.tables.push(new PostingTable(this.keyBits));
  }

  get size(): number {
    return this.slots.size;
  }

  /** Index an image by its descriptors (n × 32 bytes, strongest first); only the first descriptorsPerImage count. */
  add(id: string, descriptors: Uint8Array): void {
    this.remove(id);
    const slot = this.slots.assign(id);
    const n = Math.min(this.descriptorsPerImage, Math.floor(descriptors.length / DESCRIPTOR_BYTES));
    const mask = 2 ** this.keyBits - 1;
    for (let i = 0; i < n; i++) {
      const base = i * DESCRIPTOR_BYTES;
      const sig = signature(descriptors, base);
      for (let t = 0; t < this.tables.length; t++) this.tables[t].add(key24(descriptors, base, t) & mask, slot, sig);
    }
    if (this.tables[0].mergeDueOnAdd) this.merge();
  }

  remove(id: string): boolean {
    if (this.slots.release(id) === undefined) return false;
    this.deadPostings += this.descriptorsPerImage;
    if (this.deadPostings > (this.tables[0].mainCount + this.tables[0].deltaCount) / 4) this.merge();
    return true;
  }

  /**
   * For each view of a query (its descriptors, and those of its mirror image), the k images with most votes;
   * `accept` (e.g. a search scope) is applied before the top k are cut. The first `queryDescriptors` of each view
   * probe (a query's detail view probes with all of its own, see matcher.ts).
   * When no view has an accepted image at widenBelow votes, the query widens: every descriptor also probes the
   * keys one bit away in key bits [probeBits, wideProbeBits). Those probes land far away in the table (~0.5 µs
   * each at 1 M images), so only queries without a clear candidate pay them: mostly unrelated photos and hard
   * copies, whose true correspondences lost a key bit (a descriptor 20 of 256 bits from its original keeps all
   * 22 key bits with p ≈ 0.17 and misses exactly one with p ≈ 0.31). A widened probe may vote a second time for
   * an image the same descriptor already voted for when the image has two descriptors near it; votes only pick
   * what is verified. Bits 8–11 rather than 8–15: at 1 M images the wider set cost 6 ms p50 more per unrelated
   * query (p99 26 ms) for one more rotated copy of 234 found.
   */
  query(views: readonly Uint8Array[], k = 10, accept?: (id: string) => boolean, queryDescriptors = this.queryDescriptors): Candidate[][] {
    readyForLookups(this.tables, () => this.merge());
    while (this.scratch.length < views.length) this.scratch.push(newScratch(this.slots.capacity));
    const touched = views.map((descriptors, v) => {
      const slots: number[] = [];
      this.probe(descriptors, queryDescriptors, -1, this.probeBits, this.scratch[v], slots);
      return slots;
    });
    if (this.widenBelow > 0 && this.wideProbeBits > this.probeBits && !touched.some((slots, v) => this.hasClearCandidate(slots, this.scratch[v], accept))) {
      views.forEach((descriptors, v) => this.probe(descriptors, queryDescriptors, this.probeBits, this.wideProbeBits, this.scratch[v], touched[v]));
    }
    return touched.map((slots, v) => {
      const { votes, lastVoter } = this.scratch[v];
      const out: Candidate[] = [];
      for (const slot of slots) {
        const id = this.slots.idOf(slot);
        if (id !== undefined && (!accept || accept(id))) out.push({ id, votes: votes[slot] });
        votes[slot] = 0;
        lastVoter[slot] = -1;
      }
      out.sort((a, b) => b.votes - a.votes || (a.id < b.id ? -1 : 1));
      return out.slice(0, k);
    });
  }

  /** Votes from probing, for each of the first `count` query descriptors, its own key and the keys with bit b flipped, fromBit ≤ b < toBit. */
  private probe(descriptors: Uint8Array, count: number, fromBit: number, toBit: number, scratch: Scratch, touched: number[]): void {
    this.probeKernel({ descriptors, count, fromBit, toBit, maxSignatureDistance: this.maxSignatureDistance, keyMask: 2 ** this.keyBits - 1 }, this.tables, scratch, touched);
  }

  private hasClearCandidate(touched: number[], { votes }: Scratch, accept?: (id: string) => boolean): boolean {
    for (const slot of touched) {
      if (votes[slot] < this.widenBelow) continue;
      const id = this.slots.idOf(slot);
      if (id !== undefined && (!accept || accept(id))) return true;
    }
    return false;
  }

  /** Bytes held by typed arrays (capacity, not just the used part), excluding id strings. */
  memoryBytes(): number {
    let b = this.slots.memoryBytes();
    for (const { votes, lastVoter } of this.scratch) b += votes.byteLength + lastVoter.byteLength;
    for (const t of this.tables) b += t.memoryBytes();
    return b;
  }

  /** Fold recent additions into the main lists and drop removed images' postings. */
  merge(): void {
    const alive = this.slots.aliveForMerge();
    for (const t of this.tables) t.merge(alive);
    this.deadPostings = 0;
  }

  private growScratch(capacity: number): void {
    for (const sc of this.scratch) {
      sc.votes = grown(sc.votes, capacity);
      sc.lastVoter = grown(sc.lastVoter, capacity, -1);
    }
  }
}

function newScratch(capacity: number): Scratch {
  return { votes: new Uint16Array(capacity), lastVoter: new Int32Array(capacity).fill(-1) };
}
