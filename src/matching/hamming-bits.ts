/** Popcount Hamming distance between 256-bit ORB descriptors stored as 8 × int32 words (Int32Array keeps V8 on small-integer paths; Uint32 values ≥ 2³¹ become doubles). */

/** Reinterpret (copying if unaligned) an n × 32-byte descriptor array as n × 8 int32 words (Int32Array keeps V8 on small-integer paths; Uint32 values ≥ 2³¹ become doubles). */
export function descriptorWords(descriptors: Uint8Array): Int32Array {
  if (descriptors.byteOffset % 4 === 0) {
    return new Int32Array(descriptors.buffer, descriptors.byteOffset, descriptors.length >>> 2);
  }
  const copy = new Uint8Array(descriptors);
  return new Int32Array(copy.buffer, 0, copy.length >>> 2);
}

export function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/** Hamming distance between descriptor i of `a` and descriptor j of `b` (word arrays). */
export function hamming256(a: Int32Array, i: number, b: Int32Array, j: number): number {
  const p = i * 8, q = j * 8;
  return (
    popcount32(a[p] ^ b[q]) + popcount32(a[p + 1] ^ b[q + 1]) + popcount32(a[p + 2] ^ b[q + 2]) +
    popcount32(a[p + 3] ^ b[q + 3]) + popcount32(a[p + 4] ^ b[q + 4]) + popcount32(a[p + 5] ^ b[q + 5]) +
    popcount32(a[p + 6] ^ b[q + 6]) + popcount32(a[p + 7] ^ b[q + 7])
  );
}
