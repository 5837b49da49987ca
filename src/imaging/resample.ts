/** Pure pixel resampling used between the single decode and the hashes (no sharp, no I/O). */
import { invariant } from "../core/errors";

/**
 * Area-average resample of a one-channel float image to outW × outH: each output pixel is the exact mean of the
 * input rectangle it covers (fractional edges weighted). Mirror-symmetric, so flipping the input flips the output.
 */
export function resampleArea(src: Float32Array, w: number, h: number, outW: number, outH: number): Float32Array {
  invariant(w > 0 && h > 0 && outW > 0 && outH > 0 && src.length >= w * h, "resampleArea: bad dimensions");
  const rows = new Float32Array(outW * h);
  const sx = w / outW;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * sx;
      const x1 = x0 + sx;
      let s = 0;
      for (let x = Math.floor(x0); x < x1 && x < w; x++) s += (Math.min(x + 1, x1) - Math.max(x, x0)) * src[row + x];
      rows[y * outW + ox] = s / sx;
    }
  }
  const out = new Float32Array(outW * outH);
  const sy = h / outH;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * sy;
    const y1 = y0 + sy;
    for (let ox = 0; ox < outW; ox++) {
      let s = 0;
      for (let y = Math.floor(y0); y < y1 && y < h; y++) s += (Math.min(y + 1, y1) - Math.max(y, y0)) * rows[y * outW + ox];
      out[oy * outW + ox] = s / sy;
    }
  }
  return out;
}
