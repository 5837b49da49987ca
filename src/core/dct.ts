/**
 * Low-frequency 2-D DCT-II on square float images, as used by PDQ and pHash.
 * Pure and allocation-free per call once the matrix exists: B = D·A·Dᵀ with D a k×n matrix.
 */

/**
 * A k×n DCT-II basis, row-major: D[i][j] = sqrt(2/n) · cos(π/(2n) · (i + firstFrequency) · (2j + 1)).
 * The same scale for every row (no special DC weight), so thresholds against a median see raw proportions.
 * PDQ uses firstFrequency 1 (it skips the DC term); pHash uses 0.
 */
export function dctMatrix(k: number, n: number, firstFrequency: number): Float32Array {
  const d = new Float32Array(k * n);
  const scale = Math.sqrt(2 / n);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < n; j++) {
      d[i * n + j] = scale * Math.cos((Math.PI / 2 / n) * (i + firstFrequency) * (2 * j + 1));
    }
  }
  return d;
}

/**
 * out (k×k) = D·A·Dᵀ for A n×n row-major; `tmp` must hold k×n floats.
 * Computes only the k×k coefficients needed (cheaper than a full fast DCT for k ≪ n).
 */
export function dctLowFrequencies(
  a: Float32Array,
  n: number,
  d: Float32Array,
  k: number,
  tmp: Float32Array,
  out: Float32Array,
): void {
  // tmp = D·A  (k×n): row i of D against column j of A.
  tmp.fill(0, 0, k * n);
  for (let i = 0; i < k; i++) {
    const di = i * n;
    const ti = i * n;
    for (let r = 0; r < n; r++) {
      const w = d[di + r];
      const ar = r * n;
      for (let j = 0; j < n; j++) tmp[ti + j] += w * a[ar + j];
    }
  }
  // out = tmp·Dᵀ  (k×k)
  for (let i = 0; i < k; i++) {
    const ti = i * n;
    for (let j = 0; j < k; j++) {
      const dj = j * n;
      let s = 0;
      for (let c = 0; c < n; c++) s += tmp[ti + c] * d[dj + c];
      out[i * k + j] = s;
    }
  }
}
