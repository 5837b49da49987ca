/**
 * Synthetic local features for the scale benchmarks (bench:search, bench:alerts): random ORB-like descriptors,
 * keypoints and PDQ hashes, deterministic in a seed, and edited copies of them.
 */
import type { ImageFeatures } from "../../src/matching/features";
import { STORED_KEYPOINTS } from "../../src/matching/matcher";

/** Working-image size of the synthetic images. */
export const W = 512, H = 384;
/** What extractFeatures returns per orientation. */
export const QUERY_KEYPOINTS = 500;

/**
 * Deterministic stream per seed (sfc32, 128-bit state seeded by splitmix32, int32 out): the same image number always
 * gives the same features. Not a 32-bit Weyl or linear generator: a million images × 512 draws from one 2^32 cycle
 * overlap, which plants exact duplicates, and linear generators make different images' descriptors XOR-related.
 */
export function stream(seed: number): () => number {
  let z = seed | 0;
  const splitmix = () => {
    z = (z + 0x9e3779b9) | 0;
    let t = z ^ (z >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) | 0;
  };
  let a = splitmix(), b = splitmix(), c = splitmix(), d = splitmix();
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t;
  };
}
export const rand01 = (r: () => number) => (r() >>> 0) / 4294967296;

/** Features of synthetic library image k: n random descriptors and keypoints (deterministic in k). */
export function imageFeatures(k: number, n = STORED_KEYPOINTS): ImageFeatures {
  return randomFeatures(stream(k * 2 + 1), n);
}

export function randomFeatures(r: () => number, n: number): ImageFeatures {
  const descriptors = new Uint8Array(n * 32);
  const w = new Int32Array(descriptors.buffer);
  for (let i = 0; i < w.length; i++) w[i] = r();
  const keypoints = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    keypoints[2 * i] = rand01(r) * W;
    keypoints[2 * i + 1] = rand01(r) * H;
  }
  return { width: W, height: H, keypoints, descriptors };
}

/**
 * An edited copy of `orig`: similarity transform (scale 0.8–1.25, rotation ±10°, shift ±20 px) with ±0.5 px
 * jitter, 5–20 flipped bits per descriptor, 30 % of keypoints lost, topped up to 500 with new random ones.
 */
export function editedCopy(orig: ImageFeatures, r: () => number): ImageFeatures {
  const s = 0.8 + rand01(r) * 0.45, th = ((rand01(r) - 0.5) * 20 * Math.PI) / 180;
  const a = s * Math.cos(th), b = s * Math.sin(th);
  const tx = (rand01(r) - 0.5) * 40, ty = (rand01(r) - 0.5) * 40;
  const cx = W / 2, cy = H / 2;
  const n = orig.keypoints.length / 2;
  const kp: number[] = [], desc: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    if (rand01(r) < 0.3) continue;
    const x = orig.keypoints[2 * i] - cx, y = orig.keypoints[2 * i + 1] - cy;
    const qx = a * x - b * y + cx + tx + (rand01(r) - 0.5), qy = b * x + a * y + cy + ty + (rand01(r) - 0.5);
    if (qx < 0 || qy < 0 || qx >= W || qy >= H) continue;
    const d = orig.descriptors.slice(i * 32, i * 32 + 32);
    const flips = 5 + Math.floor(rand01(r) * 16);
    const bits = new Set<number>();
    while (bits.size < flips) bits.add(Math.floor(rand01(r) * 256));
    for (const bit of bits) d[bit >> 3] ^= 1 << (bit & 7);
    kp.push(qx, qy);
    desc.push(d);
  }
  const fill = randomFeatures(r, Math.max(0, QUERY_KEYPOINTS - desc.length));
  for (let i = 0; i < fill.keypoints.length / 2; i++) {
    kp.push(fill.keypoints[2 * i], fill.keypoints[2 * i + 1]);
    desc.push(fill.descriptors.subarray(i * 32, i * 32 + 32));
  }
  // Shuffle so that related keypoints are not all first.
  const order = kp.map((_, i) => i).filter((i) => i % 2 === 0).map((i) => i / 2);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand01(r) * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const keypoints = new Float32Array(order.length * 2), descriptors = new Uint8Array(order.length * 32);
  order.forEach((i, j) => {
    keypoints[2 * j] = kp[2 * i];
    keypoints[2 * j + 1] = kp[2 * i + 1];
    descriptors.set(desc[i], j * 32);
  });
  return { width: W, height: H, keypoints, descriptors };
}

/** A random 32-byte PDQ hash of quality 100 (deterministic in the seed). */
export function randomPdq(seed: number) {
  const r = stream(seed);
  const hash = new Uint8Array(32);
  new Int32Array(hash.buffer).forEach((_, i, a) => (a[i] = r()));
  return { hash, quality: 100 };
}
