/**
 * The candidate index's inner loop: each query descriptor's votes from the postings under its keys (candidates.ts
 * explains the keys, signatures and probes). Compiled in the native addon where it was built (native/probe.cc,
 * which prefetches the lookups ahead: in a large library they are cache misses), else this TypeScript; both give
 * the same votes in the same order (a test holds them to it).
 */
import { DESCRIPTOR_BYTES } from "./features";
import { popcount32 as importedPopcount32 } from "./hamming-bits";
import type { PostingTable } from "./postings";

// Bound once: CommonJS output reads an imported function through a getter on every call (see verify-pair.ts).
const popcount32 = importedPopcount32;

const SIGNATURE_BYTE = 28;

/** Votes per slot, and the query descriptor that last voted for it (each votes once per image). */
export interface Scratch {
  votes: Uint16Array;
  lastVoter: Int32Array;
}

export interface Probe {
  descriptors: Uint8Array;
  /** The first `count` descriptors probe. */
  count: number;
  /** Each probes its own key (bit -1) and the keys with bit b flipped, fromBit ≤ b < toBit. */
  fromBit: number;
  toBit: number;
  maxSignatureDistance: number;
  keyMask: number;
}

/** Adds the probe's votes to `scratch`, appending each slot that gets its first vote to `touched`. */
export type ProbeKernel = (probe: Probe, tables: readonly PostingTable[], scratch: Scratch, touched: number[]) => void;

export const typeScriptProbe: ProbeKernel = ({ descriptors, count, fromBit, toBit, maxSignatureDistance, keyMask }, tables, { votes, lastVoter }, touched) => {
  const nq = Math.min(count, Math.floor(descriptors.length / DESCRIPTOR_BYTES));
  for (let i = 0; i < nq; i++) {
    const base = i * DESCRIPTOR_BYTES;
    const sig = signature(descriptors, base);
    for (let t = 0; t < tables.length; t++) {
      const table = tables[t];
      const { offsets, postings, deltaHead, deltaKey, deltaSlot, deltaTag, deltaNext, deltaMask } = table;
      const own = key24(descriptors, base, t) & keyMask;
      for (let b = fromBit; b < toBit; b++) {
        const key = b < 0 ? own : own ^ (1 << b);
        for (let p = 2 * offsets[key], end = 2 * offsets[key + 1]; p < end; p += 2) {
          if (popcount32(sig ^ postings[p + 1]) > maxSignatureDistance) continue;
          const slot = postings[p];
          if (lastVoter[slot] === i) continue;
          lastVoter[slot] = i;
          if (votes[slot]++ === 0) touched.push(slot);
        }
        if (table.deltaCount === 0) continue;
        for (let e = deltaHead[key & deltaMask]; e >= 0; e = deltaNext[e]) {
          if (deltaKey[e] !== key || popcount32(sig ^ deltaTag[e]) > maxSignatureDistance) continue;
          const slot = deltaSlot[e];
          if (lastVoter[slot] === i) continue;
          lastVoter[slot] = i;
          if (votes[slot]++ === 0) touched.push(slot);
        }
      }
    }
  }
};

/** Bits [24t, 24t + 24) of the descriptor at `base`. */
export function key24(d: Uint8Array, base: number, t: number): number {
  const o = base + 3 * t;
  return d[o] | (d[o + 1] << 8) | (d[o + 2] << 16);
}

/** Bits 224–255 of the descriptor at `base`, as an int32. */
export function signature(d: Uint8Array, base: number): number {
  const o = base + SIGNATURE_BYTE;
  return d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24);
}
