/**
 * An inverted list keyed by a small integer (< 2^keyBits): key → postings of (slot, tag), both 32-bit.
 *
 * The main part is CSR (offsets per key + one array of interleaved slot/tag pairs), so a lookup is one random
 * read of the offsets and one of the postings, then a sequential scan. Additions are appended to a delta
 * (typed arrays, chained on the key's low bits by `linkDelta()` before lookups, the full key kept per entry)
 * that the owner folds into the main part with `merge()` when it grows; merging also drops postings whose
 * slot is no longer alive. No per-posting JS objects: bulk loading a million images creates no garbage.
 */
import { grown } from "./typed-arrays";

const DELTA_HEAD_BITS_MAX = 20;
const RADIX_BITS = 11;
/** Runs of old postings up to this many words are moved word by word when merging, longer ones in bulk. */
const SHORT_RUN_WORDS = 64;

export class PostingTable {
  readonly keyBits: number;
  /**
   * Main part: posting p (offsets[k] ≤ p < offsets[k + 1] for key k) is slot postings[2p], tag postings[2p + 1].
   * `postings` may be longer than the main part (room kept for the next merge's delta).
   */
  offsets: Uint32Array;
  postings = new Int32Array(0);
  /** Words of `postings` the main part fills (2 per posting). */
  private mainWords = 0;

  /** Delta: chains by `key & deltaMask`; entry e has deltaKey[e], deltaSlot[e], deltaTag[e], deltaNext[e]. */
  readonly deltaMask: number;
  deltaHead: Int32Array;
  deltaKey = new Uint32Array(1024);
  deltaSlot = new Uint32Array(1024);
  deltaTag = new Int32Array(1024);
  /** Sized by `linkDelta()`: bulk loading (no lookups until it ends) never needs the chains. */
  deltaNext = new Int32Array(0);
  deltaCount = 0;
  /** Delta entries [0, linkedCount) are chained from deltaHead. */
  private linkedCount = 0;

  constructor(keyBits: number) {
    if (!Number.isInteger(keyBits) || keyBits < 1 || keyBits > 26) throw new Error(`invariant violated: keyBits ${keyBits}`);
    this.keyBits = keyBits;
    this.offsets = new Uint32Array(2 ** keyBits + 1);
    const headBits = Math.min(keyBits, DELTA_HEAD_BITS_MAX);
    this.deltaMask = 2 ** headBits - 1;
    this.deltaHead = new Int32Array(2 ** headBits).fill(-1);
  }

  get mainCount(): number {
    return this.mainWords / 2;
  }

  /**
   * When to merge. Additions alone merge when the delta outgrows the main part, so bulk loading a million
   * images merges about a dozen times (each merge passes over every one of the 2^keyBits keys). Before a
   * query, the delta is kept below an eighth of the main part, so its chains stay short.
   */
  get mergeDueOnAdd(): boolean {
    return this.deltaCount > Math.max(4096, this.mainCount, (this.offsets.length - 1) / 16);
  }

  get mergeDueOnQuery(): boolean {
    return this.deltaCount > Math.max(1024, this.mainCount / 8);
  }

  /** Appends a posting to the delta; it is chained (visible to lookups) by the next `linkDelta()`. */
  add(key: number, slot: number, tag: number): void {
    const e = this.deltaCount++;
    if (e >= this.deltaKey.length) this.growDelta(e + 1);
    this.deltaKey[e] = key;
    this.deltaSlot[e] = slot;
    this.deltaTag[e] = tag;
  }

  /**
   * Chains the delta entries added since the last call. Adding only appends, so bulk loading (no lookups
   * until it ends) writes sequentially instead of into random chain heads.
   */
  linkDelta(): void {
    if (this.deltaNext.length < this.deltaCount) this.deltaNext = grown(this.deltaNext, this.deltaKey.length);
    const { deltaKey, deltaNext, deltaHead, deltaMask } = this;
    for (let e = this.linkedCount; e < this.deltaCount; e++) {
      const h = deltaKey[e] & deltaMask;
      deltaNext[e] = deltaHead[h];
      deltaHead[h] = e;
    }
    this.linkedCount = this.deltaCount;
  }

  /**
   * Fold the delta into the main part. With `alive`, only postings whose slot is alive (alive[slot] ≠ 0) are kept;
   * without it (the owner has released no slot since the last merge) every posting is. The delta is radix-sorted
   * by key first, so that the merge is one sequential pass over both parts (scattering a large delta straight into
   * the new main part cost one cache miss per posting). Within a key, old postings come first, then the delta's in
   * the order they were added.
   */
  merge(alive?: Uint8Array): void {
    const { key, slot, tag } = this.sortedDelta();
    if (alive) this.mergeDropping(alive, key, slot, tag);
    else this.mergeKeepingAll(key, slot, tag);
    this.deltaHead.fill(-1);
    this.deltaCount = 0;
    this.linkedCount = 0;
    // Bulk loading grew the delta to the size of the main part; give that memory back.
    if (this.deltaKey.length > 1024) {
      this.deltaKey = new Uint32Array(1024);
      this.deltaSlot = new Uint32Array(1024);
      this.deltaTag = new Int32Array(1024);
      this.deltaNext = new Int32Array(0);
    }
  }

  /** The merge into new arrays, every posting checked against `alive`. */
  private mergeDropping(alive: Uint8Array, dKey: Uint32Array, dSlot: Uint32Array, dTag: Int32Array): void {
    const { offsets: oldOffsets, postings: old } = this;
    const keys = oldOffsets.length - 1;
    const n = this.deltaCount;
    const offsets = new Uint32Array(keys + 1);
    let total = 0;
    for (let k = 0, d = 0; k < keys; k++) {
      for (let p = oldOffsets[k], end = oldOffsets[k + 1]; p < end; p++) if (alive[old[2 * p]]) total++;
      for (; d < n && dKey[d] === k; d++) if (alive[dSlot[d]]) total++;
      offsets[k + 1] = total;
    }
    const postings = new Int32Array(2 * total);
    for (let k = 0, d = 0, q = 0; k < keys; k++) {
      for (let p = oldOffsets[k], end = oldOffsets[k + 1]; p < end; p++) {
        if (!alive[old[2 * p]]) continue;
        postings[q++] = old[2 * p];
        postings[q++] = old[2 * p + 1];
      }
      for (; d < n && dKey[d] === k; d++) {
        if (!alive[dSlot[d]]) continue;
        postings[q++] = dSlot[d];
        postings[q++] = dTag[d];
      }
    }
    this.offsets = offsets;
    this.postings = postings;
    this.mainWords = 2 * total;
  }

  /**
   * The merge when every posting stays: what mergeDropping builds with every slot alive, in the arrays the main part
   * already has. Fresh memory costs this machine's kind ~11 µs a 4 KB page on first touch (README, "bench:search"),
   * so that a merge into new arrays every few registrations of a small library took tens of milliseconds of the
   * event loop, most of it faulting pages in. Each key's offset grows by the delta entries under smaller keys. The
   * old postings move up in place, from the last, past the delta entries below them; only when the delta does not
   * fit are they copied, from the first, into a new array an eighth larger than needed (bulk loading, a large
   * library's merges every other time).
   */
  private mergeKeepingAll(dKey: Uint32Array, dSlot: Uint32Array, dTag: Int32Array): void {
    const n = this.deltaCount;
    const { offsets, postings: old } = this;
    const used = this.mainWords, needed = used + 2 * n;
    if (old.length >= needed) {
      let read = used, write = needed;
      for (let d = n - 1; d >= 0; ) {
        const k = dKey[d];
        const start = 2 * offsets[k + 1];
        write = moveUp(old, start, read, write);
        read = start;
        // k's delta entries, last first, so that they keep the order they were added in.
        for (; d >= 0 && dKey[d] === k; d--) {
          old[--write] = dTag[d];
          old[--write] = dSlot[d];
        }
      }
    } else {
      const postings = new Int32Array(needed + (needed >>> 3));
      let read = 0, write = 0;
      for (let d = 0; d < n; ) {
        const k = dKey[d];
        const end = 2 * offsets[k + 1];
        write = copyTo(postings, write, old, read, end);
        read = end;
        for (; d < n && dKey[d] === k; d++) {
          postings[write++] = dSlot[d];
          postings[write++] = dTag[d];
        }
      }
      copyTo(postings, write, old, read, used);
      this.postings = postings;
    }
    for (let k = 0, d = 0; k < offsets.length; k++) {
      while (d < n && dKey[d] < k) d++;
      offsets[k] += d;
    }
    this.mainWords = needed;
  }

  /**
   * The delta's entries sorted by key, stably: LSD radix sort in passes of ≤ 11 bits (2048 buckets stay in cache).
   * The delta arrays are one of the two buffers (merge discards the delta), so nothing is copied up front.
   */
  private sortedDelta(): { key: Uint32Array; slot: Uint32Array; tag: Int32Array } {
    const n = this.deltaCount;
    let key = this.deltaKey.subarray(0, n), slot = this.deltaSlot.subarray(0, n), tag = this.deltaTag.subarray(0, n);
    let key2 = new Uint32Array(n), slot2 = new Uint32Array(n), tag2 = new Int32Array(n);
    const passes = Math.ceil(this.keyBits / RADIX_BITS);
    const bits = Math.ceil(this.keyBits / passes);
    const buckets = new Uint32Array((1 << bits) + 1);
    const mask = (1 << bits) - 1;
    for (let pass = 0, shift = 0; pass < passes; pass++, shift += bits) {
      buckets.fill(0);
      for (let e = 0; e < n; e++) buckets[((key[e] >>> shift) & mask) + 1]++;
      for (let b = 0; b < mask + 1; b++) buckets[b + 1] += buckets[b];
      for (let e = 0; e < n; e++) {
        const i = buckets[(key[e] >>> shift) & mask]++;
        key2[i] = key[e];
        slot2[i] = slot[e];
        tag2[i] = tag[e];
      }
      [key, key2, slot, slot2, tag, tag2] = [key2, key, slot2, slot, tag2, tag];
    }
    return { key, slot, tag };
  }

  /** Bytes held by the typed arrays (capacity). */
  memoryBytes(): number {
    return (
      this.offsets.byteLength + this.postings.byteLength + this.deltaHead.byteLength +
      this.deltaKey.byteLength + this.deltaSlot.byteLength + this.deltaTag.byteLength + this.deltaNext.byteLength
    );
  }

  private growDelta(n: number): void {
    const cap = Math.max(n, this.deltaKey.length * 2);
    this.deltaKey = grown(this.deltaKey, cap);
    this.deltaSlot = grown(this.deltaSlot, cap);
    this.deltaTag = grown(this.deltaTag, cap);
  }
}

/**
 * Moves words [start, end) of `a` up so that they end at `to` (≥ end); returns where they now start. A short run is
 * moved word by word, last first, as copyWithin's call costs more than such a copy (a large library's runs are a
 * few postings long).
 */
function moveUp(a: Int32Array, start: number, end: number, to: number): number {
  const from = to - (end - start);
  if (end - start > SHORT_RUN_WORDS) a.copyWithin(from, start, end);
  else for (let p = end - 1, q = to - 1; p >= start; p--, q--) a[q] = a[p];
  return from;
}

/** Copies words [start, end) of `from` into `to` at `at`; returns where the copy ends (short runs word by word). */
function copyTo(to: Int32Array, at: number, from: Int32Array, start: number, end: number): number {
  if (end - start > SHORT_RUN_WORDS) to.set(from.subarray(start, end), at);
  else for (let p = start, q = at; p < end; p++, q++) to[q] = from[p];
  return at + end - start;
}

/**
 * Before lookups in an owner's tables (all filled together): fold a delta grown large into the main parts with the
 * owner's `merge`, or else chain the entries added since the last lookup.
 */
export function readyForLookups(tables: readonly PostingTable[], merge: () => void): void {
  if (tables[0].mergeDueOnQuery) merge();
  else for (const t of tables) t.linkDelta();
}
