/** Population count of a 32-bit word, for Hamming distances over Int32Array words (Int32 keeps V8 on small-integer paths; Uint32 values ≥ 2³¹ become doubles). */
export function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
