/**
 * 4-parameter similarity RANSAC (scale, rotation, translation) in plain JS.
 * OpenCV-js lacks estimateAffinePartial2D, and a similarity has the right number of degrees of
 * freedom for our edits (crop, rotate, resize); mirroring is handled by matching a mirrored query, so a
 * vertical flip is the mirror image turned by 180°. Any rotation is admissible by default: ORB's descriptors are
 * rotation-normalised, and a bound of 25° (until issue 13) lost every copy turned by 90° or 180°, while the null
 * tail did not move measurably without it (docs/calibration.md).
 *
 * Model, mapping query (x, y) → original (u, v):  u = a·x − b·y + tx,  v = b·x + a·y + ty.
 * Deterministic: the sampler is a seeded PRNG, so the same input always gives the same answer.
 */

export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

export interface RansacOptions {
  /** Inlier distance in original-image pixels. */
  threshold?: number;
  iterations?: number;
  minScale?: number;
  maxScale?: number;
  /** Largest absolute rotation, degrees (default 180: any). */
  maxRotationDeg?: number;
  seed?: number;
}

export interface RansacResult {
  transform: Similarity;
  /** Indices (into the correspondence list) of inliers. */
  inliers: number[];
  scale: number;
  rotationDeg: number;
}

const DEFAULTS: Required<RansacOptions> = {
  threshold: 3.5,
  iterations: 600,
  minScale: 0.25,
  maxScale: 4,
  maxRotationDeg: 180,
  seed: 0x1f2e3d4c,
};

/** mulberry32: small, fast, seeded. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function scaleOf(t: Similarity): number {
  return Math.hypot(t.a, t.b);
}

export function rotationDegOf(t: Similarity): number {
  return (Math.atan2(t.b, t.a) * 180) / Math.PI;
}

export function applySimilarity(t: Similarity, x: number, y: number): [number, number] {
  return [t.a * x - t.b * y + t.tx, t.b * x + t.a * y + t.ty];
}

/**
 * @param src query points (x, y pairs), @param dst original points, same length; pair i ↔ i.
 * Returns null when fewer than 2 correspondences or no admissible model has ≥ 2 inliers.
 */
export function ransacSimilarity(src: Float32Array, dst: Float32Array, options: RansacOptions = {}): RansacResult | null {
  const o = { ...DEFAULTS, ...options };
  const n = src.length / 2;
  if (n < 2) return null;
  const rand = mulberry32(o.seed);
  const th2 = o.threshold * o.threshold;
  const maxRot = (o.maxRotationDeg * Math.PI) / 180;
  let best: Similarity | null = null;
  let bestCount = 0;
  const admissible = (t: Similarity) => {
    const s = Math.hypot(t.a, t.b);
    return s >= o.minScale && s <= o.maxScale && Math.abs(Math.atan2(t.b, t.a)) <= maxRot;
  };
  const iterations = Math.min(o.iterations, (n * (n - 1)) / 2 + 10);
  for (let it = 0; it < iterations; it++) {
    const i = Math.floor(rand() * n);
    let j = Math.floor(rand() * (n - 1));
    if (j >= i) j++;
    const t = fromTwo(src, dst, i, j);
    if (!t || !admissible(t)) continue;
    const count = countInliersAbove(src, dst, t, th2, bestCount);
    if (count > bestCount) {
      bestCount = count;
      best = t;
    }
  }
  if (!best || bestCount < 2) return null;
  // Refine: least squares on inliers, twice (inlier set may grow).
  let inliers = collectInliers(src, dst, best, th2);
  for (let r = 0; r < 2; r++) {
    const refined = leastSquares(src, dst, inliers);
    if (!refined || !admissible(refined)) break;
    const next = collectInliers(src, dst, refined, th2);
    if (next.length < inliers.length) break;
    best = refined;
    inliers = next;
  }
  return { transform: best, inliers, scale: scaleOf(best), rotationDeg: rotationDegOf(best) };
}

function fromTwo(src: Float32Array, dst: Float32Array, i: number, j: number): Similarity | null {
  const x1 = src[2 * i], y1 = src[2 * i + 1], x2 = src[2 * j], y2 = src[2 * j + 1];
  const u1 = dst[2 * i], v1 = dst[2 * i + 1], u2 = dst[2 * j], v2 = dst[2 * j + 1];
  const dx = x2 - x1, dy = y2 - y1, du = u2 - u1, dv = v2 - v1;
  const d2 = dx * dx + dy * dy;
  if (d2 < 25) return null; // points too close: the model would be ill-conditioned
  const a = (dx * du + dy * dv) / d2;
  const b = (dx * dv - dy * du) / d2;
  return { a, b, tx: u1 - a * x1 + b * y1, ty: v1 - b * x1 - a * y1 };
}

/**
 * Inliers of `t`, or 0 as soon as they can no longer exceed `floor`: most sampled models are wrong, and
 * giving up on them after (n − floor) misses changes no result.
 */
function countInliersAbove(src: Float32Array, dst: Float32Array, t: Similarity, th2: number, floor: number): number {
  const { a, b, tx, ty } = t;
  const allowedMisses = src.length / 2 - floor;
  let c = 0, misses = 0;
  for (let k = 0; k < src.length; k += 2) {
    const x = src[k], y = src[k + 1];
    const eu = a * x - b * y + tx - dst[k];
    const ev = b * x + a * y + ty - dst[k + 1];
    if (eu * eu + ev * ev <= th2) c++;
    else if (++misses >= allowedMisses) return 0;
  }
  return c;
}

function collectInliers(src: Float32Array, dst: Float32Array, t: Similarity, th2: number): number[] {
  const out: number[] = [];
  for (let k = 0, i = 0; k < src.length; k += 2, i++) {
    const x = src[k], y = src[k + 1];
    const eu = t.a * x - t.b * y + t.tx - dst[k];
    const ev = t.b * x + t.a * y + t.ty - dst[k + 1];
    if (eu * eu + ev * ev <= th2) out.push(i);
  }
  return out;
}

/** Closed-form least-squares similarity (Umeyama without reflection). */
function leastSquares(src: Float32Array, dst: Float32Array, idx: number[]): Similarity | null {
  const m = idx.length;
  if (m < 2) return null;
  let mx = 0, my = 0, mu = 0, mv = 0;
  for (const i of idx) {
    mx += src[2 * i]; my += src[2 * i + 1]; mu += dst[2 * i]; mv += dst[2 * i + 1];
  }
  mx /= m; my /= m; mu /= m; mv /= m;
  let sxx = 0, sab = 0, sba = 0;
  for (const i of idx) {
    const x = src[2 * i] - mx, y = src[2 * i + 1] - my, u = dst[2 * i] - mu, v = dst[2 * i + 1] - mv;
    sxx += x * x + y * y;
    sab += x * u + y * v;
    sba += x * v - y * u;
  }
  if (sxx < 1e-9) return null;
  const a = sab / sxx, b = sba / sxx;
  return { a, b, tx: mu - a * mx + b * my, ty: mv - b * mx - a * my };
}

/**
 * Fraction of the original's area (ow × oh) covered by the query frame (qw × qh) mapped through `t`.
 * Convex polygon clipping (Sutherland–Hodgman) of the mapped quad against the original rectangle.
 */
export function overlapFraction(t: Similarity, qw: number, qh: number, ow: number, oh: number): number {
  let poly: [number, number][] = [
    applySimilarity(t, 0, 0),
    applySimilarity(t, qw, 0),
    applySimilarity(t, qw, qh),
    applySimilarity(t, 0, qh),
  ];
  const edges: [(p: [number, number]) => number, number, number][] = [
    [(p) => p[0], 0, 1], // x ≥ 0
    [(p) => p[0], ow, -1], // x ≤ ow
    [(p) => p[1], 0, 1], // y ≥ 0
    [(p) => p[1], oh, -1], // y ≤ oh
  ];
  for (const [coord, bound, sign] of edges) {
    const inside = (p: [number, number]) => sign * (coord(p) - bound) >= 0;
    const out: [number, number][] = [];
    for (let i = 0; i < poly.length; i++) {
      const p = poly[i], q = poly[(i + 1) % poly.length];
      const pin = inside(p), qin = inside(q);
      if (pin) out.push(p);
      if (pin !== qin) {
        const r = (bound - coord(p)) / (coord(q) - coord(p));
        out.push([p[0] + r * (q[0] - p[0]), p[1] + r * (q[1] - p[1])]);
      }
    }
    poly = out;
    if (poly.length < 3) return 0;
  }
  let area = 0;
  for (let i = 0; i < poly.length; i++) {
    const p = poly[i], q = poly[(i + 1) % poly.length];
    area += p[0] * q[1] - q[0] * p[1];
  }
  return Math.min(1, Math.abs(area) / 2 / (ow * oh));
}
