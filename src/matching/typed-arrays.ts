/** Growing the typed arrays that per-image and per-posting data live in. */
type Growable = Int32Array | Uint32Array | Uint16Array | Uint8Array;

/** A copy of `a` with room for `length` elements; the new ones are `fill`. */
export function grown<T extends Growable>(a: T, length: number, fill = 0): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}
