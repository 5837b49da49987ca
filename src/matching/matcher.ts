/**
 * The matcher: candidate voting (normal + mirrored query) → geometric verification of the best
 * candidates → calibrated similarity → ranked hits. No I/O besides decoding query bytes.
 */
import { CandidateIndex, type CandidateIndexOptions } from "./candidates";
import { denseQueryFeatures, extractFeatures, topFeatures, type ImageFeatures } from "./features";
import type { Similarity } from "./ransac";
import { hammingBytes as importedHammingBytes } from "../core/hamming";
import { pdqSimilarity, similarityScore } from "./score";
import { verifyPair, type PairVerification } from "./verify-pair";

/** Bound once: the global path calls it per stored image, and CommonJS output reads imports through getters. */
const hammingBytes = importedHammingBytes;

/** Keypoints kept per registered image for verification (strongest first). */
export const STORED_KEYPOINTS = 500;
/** Candidates verified geometrically per query. */
export const VERIFY_TOP = 6;
/**
 * Second pass (dense query features, docs/calibration.md): run when the first pass is not already
 * ≥ 92 and is ambiguous — its best candidate has SECOND_PASS_MIN..SECOND_PASS_BELOW-1 inliers, or
 * the PDQ path found a near (but not conclusive) hash. Unrelated queries rarely qualify (≤ 5
 * inliers, PDQ ≥ 88 bits), so the extra ORB extraction is paid mostly by hard true copies.
 */
export const SECOND_PASS_MIN = 5;
export const SECOND_PASS_BELOW = 22;

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
    hits.push(toHit(id, best, Math.max(v.normal, v.mirrored)));
  }
  const pdqHit = nearestPdq(stored, q, filter);
  const localBest = Math.max(0, ...hits.map((h) => h.inliers));
  const ambiguous = localBest < SECOND_PASS_BELOW && (localBest >= SECOND_PASS_MIN || (pdqHit !== undefined && pdqHit.sim < 92));
  if (ambiguous) {
    const d = denseQueryFeatures(q);
    if (d) secondPass(index, stored, d, verifyTop, hits, filter);
  }
  // Global path: the nearest stored PDQ (brute force here; the database uses its hash index).
  if (pdqHit) {
    const hit = hits.find((h) => h.id === pdqHit.id);
    if (hit) {
      hit.similarity = Math.max(hit.similarity, pdqHit.sim);
      hit.pdqDistance = pdqHit.d;
    } else hits.push({ id: pdqHit.id, similarity: pdqHit.sim, inliers: 0, inlierRatio: 0, overlap: 0, transform: null, mirrored: false, votes: 0, pdqDistance: pdqHit.d });
  }
  hits.sort((a, b) => b.similarity - a.similarity || b.inliers - a.inliers || (a.id < b.id ? -1 : 1));
  return hits;
}

function toHit(id: string, v: PairVerification, votes: number): MatchHit {
  return {
    id,
    similarity: similarityScore(v),
    inliers: v.inliers,
    inlierRatio: v.inlierRatio,
    overlap: v.overlap,
    transform: v.transform,
    mirrored: v.mirrored,
    votes,
  };
}

/** Nearest stored PDQ with a non-zero similarity (brute force; the database uses its hash index). */
function nearestPdq(stored: Map<string, ImageFeatures>, q: ImageFeatures, filter?: (id: string) => boolean) {
  if (!q.pdq) return undefined;
  let best: { id: string; sim: number; d: number } | undefined;
  let bestD = 257;
  for (const [id, f] of stored) {
    if (!f.pdq || (filter && !filter(id))) continue;
    const d = hammingBytes(q.pdq.hash, f.pdq.hash);
    if (d < bestD) {
      const sim = pdqSimilarity(d, q.pdq.quality, f.pdq.quality);
      if (sim > 0) [best, bestD] = [{ id, sim, d }, d];
    }
  }
  return best;
}

/**
 * Re-verify with dense query features: the first pass's candidates plus the dense features' own
 * best candidates, same ratio test and RANSAC; a hit keeps the stronger of its two verifications.
 * Inliers stay the evidence, so the calibration holds as long as the null tail does not move
 * (checked in docs/calibration.md).
 */
function secondPass(
  index: CandidateIndex,
  stored: Map<string, ImageFeatures>,
  d: ImageFeatures,
  verifyTop: number,
  hits: MatchHit[],
  filter?: (id: string) => boolean,
): void {
  const votes = new Map<string, number>();
  for (const h of hits) votes.set(h.id, h.votes);
  for (const c of index.query(d, verifyTop, filter)) votes.set(c.id, Math.max(votes.get(c.id) ?? 0, c.votes));
  if (d.mirrored) for (const c of index.query(d.mirrored, verifyTop, filter)) votes.set(c.id, Math.max(votes.get(c.id) ?? 0, c.votes));
  for (const [id, v] of votes) {
    const original = stored.get(id);
    if (!original) continue;
    let best = verifyPair(d, original, false);
    if (d.mirrored) {
      const m = verifyPair(d.mirrored, original, true);
      if (m.inliers > best.inliers) best = m;
    }
    const i = hits.findIndex((h) => h.id === id);
    if (i < 0) {
      if (best.inliers > 0) hits.push(toHit(id, best, v));
    } else if (best.inliers > hits[i].inliers) hits[i] = toHit(id, best, hits[i].votes);
  }
}
