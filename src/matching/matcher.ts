/**
 * The matcher: candidate voting (normal + mirrored query) → geometric verification of the best
 * candidates → calibrated similarity → ranked hits. No I/O besides decoding query bytes.
 */
import { CandidateIndex, type CandidateIndexOptions } from "./candidates";
import { extractFeatures, topFeatures, type ImageFeatures } from "./features";
import type { Similarity } from "./ransac";
import { hammingBytes } from "../core/hamming";
import { pdqSimilarity, similarityScore } from "./score";
import { verifyPair, type PairVerification } from "./verify-pair";

/** Keypoints kept per registered image for verification (strongest first). */
export const STORED_KEYPOINTS = 500;
/** Candidates verified geometrically per query. */
export const VERIFY_TOP = 6;

export interface MatchHit {
  id: string;
  /** Calibrated 0–100 (one decimal). 85 ⇒ ≤ 0.1 % false positives, 92 ⇒ ≤ 0.01 % (docs/calibration.md). */
  similarity: number;
  inliers: number;
  inlierRatio: number;
  overlap: number;
  /** Query → original working-image coordinates (after mirroring the query when `mirrored`). */
  transform: Similarity | null;
  mirrored: boolean;
  votes: number;
  /** PDQ Hamming distance when the global-hash path found this image. */
  pdqDistance?: number;
}

export interface SearchOptions {
  limit?: number;
  /** Minimum similarity to report (default 85). */
  threshold?: number;
  /** Only images it accepts are candidates (scope, category, recency): applied before verification. */
  filter?: (id: string) => boolean;
}

export interface Matcher {
  add(id: string, features: ImageFeatures): void;
  remove(id: string): boolean;
  has(id: string): boolean;
  readonly size: number;
  search(query: Buffer | ImageFeatures, options?: SearchOptions): Promise<MatchHit[]>;
}

export interface MatcherOptions {
  index?: CandidateIndexOptions;
  verifyTop?: number;
}

export function createMatcher(options: MatcherOptions = {}): Matcher {
  const index = new CandidateIndex(options.index);
  const stored = new Map<string, ImageFeatures>();
  const verifyTop = options.verifyTop ?? VERIFY_TOP;

  return {
    add(id, features) {
      const kept = topFeatures(features, STORED_KEYPOINTS);
      stored.set(id, kept);
      index.add(id, kept);
    },
    remove(id) {
      stored.delete(id);
      return index.remove(id);
    },
    has: (id) => stored.has(id),
    get size() {
      return stored.size;
    },
    async search(query, { limit = 10, threshold = 85, filter } = {}) {
      const q = Buffer.isBuffer(query) ? await extractFeatures(query, { mirrored: true }) : query;
      return rankCandidates(index, stored, q, verifyTop, filter).filter((h) => h.similarity >= threshold).slice(0, limit);
    },
  };
}

/** Every verified candidate, best first (no threshold). Exposed for the benchmark and calibration. */
export function rankCandidates(
  index: CandidateIndex,
  stored: Map<string, ImageFeatures>,
  q: ImageFeatures,
  verifyTop: number,
  filter?: (id: string) => boolean,
): MatchHit[] {
  const votes = new Map<string, { normal: number; mirrored: number }>();
  for (const c of index.query(q, verifyTop, filter)) votes.set(c.id, { normal: c.votes, mirrored: 0 });
  if (q.mirrored) {
    for (const c of index.query(q.mirrored, verifyTop, filter)) {
      const v = votes.get(c.id);
      if (v) v.mirrored = c.votes;
      else votes.set(c.id, { normal: 0, mirrored: c.votes });
    }
  }
  const ranked = [...votes.entries()]
    .sort((a, b) => Math.max(b[1].normal, b[1].mirrored) - Math.max(a[1].normal, a[1].mirrored) || (a[0] < b[0] ? -1 : 1))
    .slice(0, verifyTop);
  const hits: MatchHit[] = [];
  for (const [id, v] of ranked) {
    const original = stored.get(id);
    if (!original) continue;
    let best: PairVerification | undefined;
    if (v.normal > 0) best = verifyPair(q, original, false);
    if (v.mirrored > 0 && q.mirrored) {
      const m = verifyPair(q.mirrored, original, true);
      if (!best || m.inliers > best.inliers) best = m;
    }
    if (!best) continue;
    hits.push({
      id,
      similarity: similarityScore(best),
      inliers: best.inliers,
      inlierRatio: best.inlierRatio,
      overlap: best.overlap,
      transform: best.transform,
      mirrored: best.mirrored,
      votes: Math.max(v.normal, v.mirrored),
    });
  }
  // Global path: the nearest stored PDQ (brute force here; the database uses its hash index).
  if (q.pdq) {
    let bestId: string | undefined, bestSim = 0, bestD = 257;
    for (const [id, f] of stored) {
      if (!f.pdq || (filter && !filter(id))) continue;
      const d = hammingBytes(q.pdq.hash, f.pdq.hash);
      if (d < bestD) {
        const sim = pdqSimilarity(d, q.pdq.quality, f.pdq.quality);
        if (sim > 0) [bestId, bestSim, bestD] = [id, sim, d];
      }
    }
    if (bestId !== undefined) {
      const hit = hits.find((h) => h.id === bestId);
      if (hit) hit.similarity = Math.max(hit.similarity, bestSim);
      else hits.push({ id: bestId, similarity: bestSim, inliers: 0, inlierRatio: 0, overlap: 0, transform: null, mirrored: false, votes: 0, pdqDistance: bestD });
      if (hit) hit.pdqDistance = bestD;
    }
  }
  hits.sort((a, b) => b.similarity - a.similarity || b.inliers - a.inliers || (a.id < b.id ? -1 : 1));
  return hits;
}
