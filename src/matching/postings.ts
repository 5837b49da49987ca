/**
 * An inverted list keyed by a small integer (< 2^keyBits): key → postings of (slot, tag), both 32-bit.
 *
 * The main part is CSR (offsets per key + one array of interleaved slot/tag pairs), so a lookup is one random
 * read of the offsets and one of the postings, then a sequential scan. Additions go to a delta (typed chains
 * hashed on the key's low bits, the full key kept per entry) that the owner folds into the main part with
 * `merge()` when it grows; merging also drops postings whose slot is no longer alive. No per-posting JS objects: bulk loading a million images creates no garbage.
 */
import { grown } from "./typed-arrays";

const DELTA_HEAD_BITS_MAX = 20;

export class PostingTable {
  readonly keyBits: number;
  /** Main part: posting p (offsets[k] ≤ p < offsets[k + 1] for key k) is slot postings[2p], tag postings[2p + 1]. */
  offsets: Uint32Array;
  postings = new Int32Array(0);

  /** Delta: chains by `key & deltaMask`; entry e has deltaKey[e], deltaSlot[e], deltaTag[e], deltaNext[e]. */
  readonly deltaMask: number;
  deltaHead: Int32Array;
  deltaKey = new Uint32Array(1024);
  deltaSlot = new Uint32Array(1024);
  deltaTag = new Int32Array(1024);
  deltaNext = new Int32Array(1024);
  deltaCount = 0;

  constructor(keyBits: number) {
    if (!Number.isInteger(keyBits) || keyBits < 1 || keyBits > 26) throw new Error(`invariant violated: keyBits ${keyBits}`);
    this.keyBits = keyBits;
    this.offsets = new Uint32Array(2 ** keyBits + 1);
    const headBits = Math.min(keyBits, DELTA_HEAD_BITS_MAX);
    this.deltaMask = 2 ** headBits - 1;
    this.deltaHead = new Int32Array(2 ** headBits).fill(-1);
  }

  get mainCount(): number {
    return this.postings.length / 2;
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

  add(key: number, slot: number, tag: number): void {
    const e = this.deltaCount++;
    if (e >= this.deltaKey.length) this.growDelta(e + 1);
    const h = key & this.deltaMask;
    this.deltaKey[e] = key;
    this.deltaSlot[e] = slot;
    this.deltaTag[e] = tag;
    this.deltaNext[e] = this.deltaHead[h];
    this.deltaHead[h] = e;
  }

  /** Fold the delta into the main part, keeping only postings whose slot is alive (alive[slot] ≠ 0). */
  merge(alive: Uint8Array): void {
    const { offsets: oldOffsets, postings: old } = this;
    const keys = oldOffsets.length - 1;
    const counts = new Uint32Array(keys + 1);
    for (let k = 0; k < keys; k++) {
      let c = 0;
      for (let p = oldOffsets[k], end = oldOffsets[k + 1]; p < end; p++) if (alive[old[2 * p]]) c++;
      counts[k + 1] = c;
    }
    for (let e = 0; e < this.deltaCount; e++) if (alive[this.deltaSlot[e]]) counts[this.deltaKey[e] + 1]++;
    for (let k = 0; k < keys; k++) counts[k + 1] += counts[k];
    const postings = new Int32Array(2 * counts[keys]);
    const cursor = counts.slice(0, keys);
    for (let k = 0; k < keys; k++) {
      let q = cursor[k];
      for (let p = oldOffsets[k], end = oldOffsets[k + 1]; p < end; p++) {
        if (!alive[old[2 * p]]) continue;
        postings[2 * q] = old[2 * p];
        postings[2 * q++ + 1] = old[2 * p + 1];
      }
      cursor[k] = q;
    }
    for (let e = 0; e < this.deltaCount; e++) {
      if (!alive[this.deltaSlot[e]]) continue;
      const q = cursor[this.deltaKey[e]]++;
      postings[2 * q] = this.deltaSlot[e];
      postings[2 * q + 1] = this.deltaTag[e];
    }
    this.offsets = counts;
    this.postings = postings;
    this.deltaHead.fill(-1);
    this.deltaCount = 0;
    // Bulk loading grew the delta to the size of the main part; give that memory back.
    if (this.deltaKey.length > 1024) {
      this.deltaKey = new Uint32Array(1024);
      this.deltaSlot = new Uint32Array(1024);
      this.deltaTag = new Int32Array(1024);
      this.deltaNext = new Int32Array(1024);
    }
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
    this.deltaNext = grown(this.deltaNext, cap);
  }
}
