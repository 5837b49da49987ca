/** Hamming distances between hashes. */
import { validate } from "./errors";

const POPCOUNT8 = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT8[i] = (i & 1) + POPCOUNT8[i >> 1];

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Number of differing bits between two equally long byte strings (e.g. two 32-byte PDQ hashes). */
export function hammingBytes(a: Uint8Array, b: Uint8Array): number {
  validate(a.length === b.length, "hash_length_mismatch", `hashes differ in length (${a.length} vs ${b.length} bytes)`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d += POPCOUNT8[a[i] ^ b[i]];
  return d;
}

/** Number of differing bits between two 64-bit hashes (signed or unsigned bigint: only the low 64 bits count). */
export function hamming64(a: bigint, b: bigint): number {
  const x = BigInt.asUintN(64, a ^ b);
  return popcount32(Number(x & 0xffffffffn)) + popcount32(Number(x >> 32n));
}
