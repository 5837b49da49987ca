/**
 * The matcher: candidate voting → geometric verification of the best candidates → calibrated similarity → ranked
 * hits, over views of the query made only while no view is conclusive: the query as it is, its mirror image, its
 * detail view (a copy inside a larger picture), region proposals of the detail view (a copy too small in it), the
 * region view of an ambiguous hit (the query cropped to where it puts the copy), then dense features for an
 * ambiguous query. Only the compact index lives in memory; the full features of the
 * candidates to verify come from a FeatureLoader (the database, in the service), the recently verified ones
 * from a FeatureCache of `featureCacheBytes`.
 */
import { CandidateIndex, type CandidateIndexOptions } from "./candidates";
import { FeatureCache, type FeatureCacheStatus } from "./feature-cache";
import { extractFeatures, keypointCount, type GlobalHash, type ImageFeatures } from "./features";
import { regionBounds, type MatchGeometry } from "./geometry";
import { PdqIndex } from "./pdq-index";
import { inlineViews, type QueryViews } from "./query-views";
import type { Similarity } from "./ransac";
import { pdqSimilarity, similarityScore } from "./score";
import { verifyBoth, verifyPair, type PairVerification } from "./verify-pair";

/** Keypoints kept per registered image for verification (strongest first). */
export const STORED_KEYPOINTS = 500;
/** Candidates verified geometrically per query. */
export const VERIFY_TOP = 6;
/**
 * A candidate is verified only with at least this many votes: a single chance collision is what an unrelated
 * image gets in a large library, and verifying it would cost ~1 ms per orientation for nothing.
 */
export const MIN_VOTES = 2;
/**
 * Second pass (dense query features, docs/calibration.md): run when the first pass is not already
 * ≥ 92 and is ambiguous — its best candidate has SECOND_PASS_MIN..SECOND_PASS_BELOW-1 inliers, or
 * the PDQ path found a near (but not conclusive) hash. Unrelated queries rarely qualify (≤ 5
 * inliers, PDQ ≥ 88 bits), so the extra ORB extraction is paid mostly by hard true copies.
 */
export const SECOND_PASS_MIN = 5;
export const SECOND_PASS_BELOW = 26;
/**
 * Candidates verified per region proposal (windowPass). A copy at a fifth of the picture is often not among a
 * window's best few by votes (shapes and text around it vote for look-alikes), and verifying is cheap beside the
 * window's ORB. Once every window keypoint probed, 16 found copies that 8 did not (docs/calibration.md, "Every
 * window keypoint probes").
 */
export const WINDOW_CANDIDATES = 16;
/** Ambiguous hits looked at again in their region view (refinePass), most inliers first. */
export const REFINE_CANDIDATES = 2;
/**
 * Only a copy this small in the query (its outline's longer extent, as a share of the query's longer side: about a
 * region proposal's window) is looked at again. A larger one already has its keypoints in the first and detail
 * views; a closer look there mostly gave other shots of the same scene more inliers (docs/calibration.md, "Region
 * view").
 */
export const REFINE_MAX_SHARE = 0.3;

export interface MatchHit {
  id: string;
  /** Calibrated 0–100 (one decimal). 85 ⇒ ≤ 0.1 % false positives, 92 ⇒ ≤ 0.01 % (docs/calibration.md). */
  similarity: number;
  inliers: number;
  inlierRatio: number;
  overlap: number;
  /** Query → original, in the coordinates of the query view that verified it (after mirroring it when `mirrored`); `geometry` states it for the whole query. */
  transform: Similarity | null;
  mirrored: boolean;
  votes: number;
  /** PDQ Hamming distance when the global-hash path found this image. */
  pdqDistance?: number;
  /** Where the copy sits, in working-image coordinates (toPixelGeometry restates it in pixels); absent for PDQ-only hits. */
  geometry?: MatchGeometry;
}

export interface SearchOptions {
  limit?: number;
  /** Minimum similarity to report (default 85). */
  threshold?: number;
  /** Only images it accepts are candidates (scope, category, recency): applied before verification. */
  filter?: (id: string) => boolean;
}

/** Full verification features of the given images (missing ids are simply absent from the result). */
export type FeatureLoader = (ids: readonly string[]) => Promise<Map<string, ImageFeatures>>;

/** What the matcher keeps in memory per image: its strongest descriptors (n × 32 bytes) and global PDQ. */
export interface IndexEntry {
  descriptors: Uint8Array;
  pdq?: GlobalHash;
}

export interface Matcher {
  add(id: string, entry: IndexEntry): void;
  remove(id: string): boolean;
  readonly size: number;
  search(query: Buffer | ImageFeatures, options?: SearchOptions): Promise<MatchHit[]>;
  /** Every verified candidate, best first (no threshold). Exposed for the benchmarks and calibration. */
  rank(query: ImageFeatures, filter?: (id: string) => boolean): Promise<MatchHit[]>;
  /** Bytes of the in-memory index (typed arrays). */
  memoryBytes(): number;
  /** The verification features kept in memory (`featureCacheBytes`), and how often a read found them there. */
  featureCache(): FeatureCacheStatus;
}

export interface MatcherOptions {
  loadFeatures: FeatureLoader;
  /** Keep the verification features of recently verified images in memory, up to this many bytes (0: none). */
  featureCacheBytes?: number;
  index?: CandidateIndexOptions;
  verifyTop?: number;
  minVotes?: number;
  /** Where the query's further views are made (default: on the calling thread). */
  views?: QueryViews;
}

export function createMatcher(options: MatcherOptions): Matcher {
  const index = new CandidateIndex(options.index);
  const pdqIndex = new PdqIndex();
  const cache = new FeatureCache(options.loadFeatures, options.featureCacheBytes ?? 0);
  const ranker = new Ranker(index, pdqIndex, cache.load, options.views ?? inlineViews, options.verifyTop ?? VERIFY_TOP, options.minVotes ?? MIN_VOTES);
  return {
    add(id, entry) {
      index.add(id, entry.descriptors);
      if (entry.pdq) pdqIndex.add(id, entry.pdq);
      else pdqIndex.remove(id);
    },
    remove(id) {
      pdqIndex.remove(id);
      cache.forget(id);
      return index.remove(id);
    },
    get size() {
      return index.size;
    },
    async search(query, { limit = 10, threshold = 85, filter } = {}) {
      const q = Buffer.isBuffer(query) ? await extractFeatures(query, { mirrored: true }) : query;
      return (await ranker.rank(q, filter)).filter((h) => h.similarity >= threshold).slice(0, limit);
    },
    rank: (q, filter) => ranker.rank(q, filter),
    memoryBytes: () => index.memoryBytes() + pdqIndex.memoryBytes(),
    featureCache: () => cache.status(),
  };
}

type Votes = Map<string, { normal: number; mirrored: number }>;

class Ranker {
  constructor(
    private readonly index: CandidateIndex,
    private readonly pdqIndex: PdqIndex,
    private readonly loadFeatures: FeatureLoader,
    private readonly views: QueryViews,
    private readonly verifyTop: number,
    private readonly minVotes: number,
  ) {}

  /**
   * The query as it is is voted and verified first; its mirror image only when that is not conclusive (below 92),
   * and then both views are voted together as they always were, reusing the verifications already made.
   */
  async rank(q: ImageFeatures, filter?: (id: string) => boolean): Promise<MatchHit[]> {
    const loaded = new Map<string, ImageFeatures>();
    const verified = new Map<string, PairVerification>();
    let votes = this.vote([q], filter);
    // The feature read (a database round trip) runs while the in-memory PDQ lookup does.
    const reading = this.featuresOf([...votes.keys()], loaded);
    const pdqHit = this.nearestPdq(q, filter);
    let hits = this.verify(q, votes, await reading, verified);
    const conclusive = () => bestInliers(hits) >= SECOND_PASS_BELOW || (pdqHit !== undefined && pdqHit.sim >= 92);
    if (!conclusive() && (q.mirrored || q.grey)) {
      // Kept on the query: a caller that ranks it again (the watch, without the images found) pays for it once.
      q.mirrored ??= await this.views.mirrored(q);
      if (q.mirrored) {
        votes = this.vote([q, q.mirrored], filter);
        hits = mergeHits(hits, this.verify(q, votes, await this.featuresOf([...votes.keys()], loaded), verified));
      }
    }
    if (!conclusive() && q.detailGrey) {
      const detail = await this.views.detail(q);
      if (detail) hits = mergeHits(hits, await this.detailPass(detail, loaded, filter));
    }
    if (!conclusive() && q.detailGrey) hits = mergeHits(hits, await this.windowPass(q, loaded, filter));
    if (!conclusive()) hits = mergeHits(hits, await this.refinePass(q, hits, loaded));
    const localBest = bestInliers(hits);
    const ambiguous = localBest < SECOND_PASS_BELOW && (localBest >= SECOND_PASS_MIN || (pdqHit !== undefined && pdqHit.sim < 92));
    if (ambiguous && q.grey) {
      const d = await this.views.dense(q);
      if (d) await this.secondPass(d, hits, loaded, filter);
    }
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

  /** The verifyTop best-voted candidates over the given views (the query, then its mirror image) with at least minVotes votes. */
  private vote([normalView, mirroredView]: ImageFeatures[], filter?: (id: string) => boolean): Votes {
    const votes: Votes = new Map();
    const [normal, mirrored = []] = this.index.query(mirroredView ? [normalView.descriptors, mirroredView.descriptors] : [normalView.descriptors], this.verifyTop, filter);
    for (const c of normal) votes.set(c.id, { normal: c.votes, mirrored: 0 });
    for (const c of mirrored) {
      const v = votes.get(c.id);
      if (v) v.mirrored = c.votes;
      else votes.set(c.id, { normal: 0, mirrored: c.votes });
    }
    const best = (v: { normal: number; mirrored: number }) => Math.max(v.normal, v.mirrored);
    return new Map(
      [...votes.entries()]
        .filter(([, v]) => best(v) >= this.minVotes)
        .sort((a, b) => best(b[1]) - best(a[1]) || (a[0] < b[0] ? -1 : 1))
        .slice(0, this.verifyTop),
    );
  }

  /** Geometric verification of each candidate in the orientations that voted for it; `verified` remembers each (candidate, orientation). */
  private verify(q: ImageFeatures, votes: Votes, originals: Map<string, ImageFeatures>, verified: Map<string, PairVerification>): MatchHit[] {
    const hits: MatchHit[] = [];
    const once = (id: string, original: ImageFeatures, mirrored: boolean) => {
      const key = `${mirrored ? "m" : "n"}:${id}`;
      let v = verified.get(key);
      if (!v) verified.set(key, (v = verifyPair(mirrored ? q.mirrored! : q, original, mirrored)));
      return v;
    };
    for (const [id, v] of votes) {
      const original = originals.get(id);
      if (!original) continue;
      let best: PairVerification | undefined;
      if (v.normal > 0) best = once(id, original, false);
      if (v.mirrored > 0 && q.mirrored) {
        const m = once(id, original, true);
        if (!best || m.inliers > best.inliers) best = m;
      }
      if (best) hits.push(toHit(id, best, Math.max(v.normal, v.mirrored)));
    }
    return hits;
  }

  /**
   * The query's detail view (a copy inside a larger picture): all its descriptors probe, since the copy may hold a
   * small share of them; its own best candidates are verified with the same ratio test and RANSAC.
   */
  private async detailPass(d: ImageFeatures, loaded: Map<string, ImageFeatures>, filter?: (id: string) => boolean): Promise<MatchHit[]> {
    const [candidates] = this.index.query([d.descriptors], this.verifyTop, filter, keypointCount(d));
    const wanted = candidates.filter((c) => c.votes >= this.minVotes);
    const originals = await this.featuresOf(wanted.map((c) => c.id), loaded);
    return wanted.flatMap((c) => {
      const original = originals.get(c.id);
      return original ? [toHit(c.id, verifyPair(d, original, false), c.votes)] : [];
    });
  }

  /**
   * Region proposals (windowFeatures) for a copy too small in the picture for the detail view: each window's
   * WINDOW_CANDIDATES best-voted candidates are verified with that window's features, until one is conclusive.
   * Every keypoint of a window probes, not only its strongest: those go to the sharp shapes and text around a copy,
   * while a smooth copy's (a wallpaper, wood grain) rank low (docs/calibration.md, "Every window keypoint probes").
   */
  private async windowPass(q: ImageFeatures, loaded: Map<string, ImageFeatures>, filter?: (id: string) => boolean): Promise<MatchHit[]> {
    // A part's windows probe as soon as it arrives: on the event loop, while the workers still make the other parts.
    const parts = this.views.windowParts(q).map(async (part) =>
      (await part).map((window) => ({
        window,
        candidates: this.index
          .query([window.descriptors], WINDOW_CANDIDATES, filter, keypointCount(window))[0]
          .filter((c) => c.votes >= this.minVotes)
          .map(({ id, votes }) => ({ id, votes })),
      })),
    );
    const windows = (await Promise.all(parts)).flat();
    // One read for every window's candidates (probing is cheap; a read per window cost more than the probes).
    const originals = await this.featuresOf([...new Set(windows.flatMap(({ candidates }) => candidates.map((c) => c.id)))], loaded);
    const verified = await this.views.verifyWindows(windows, originals, SECOND_PASS_BELOW);
    return verified.flat().map(({ id, votes, verification }) => toHit(id, verification, votes));
  }

  /**
   * The region view (regionFeatures) of the REFINE_CANDIDATES ambiguous hits with the most inliers: the query cropped
   * to where the hit puts the copy and scaled to the original's size, verified against that original alone.
   */
  private async refinePass(q: ImageFeatures, hits: MatchHit[], loaded: Map<string, ImageFeatures>): Promise<MatchHit[]> {
    const ambiguous = hits
      .filter((h) => h.geometry && h.inliers >= SECOND_PASS_MIN && h.inliers < SECOND_PASS_BELOW && outlineShare(h.geometry) <= REFINE_MAX_SHARE)
      .sort((a, b) => b.inliers - a.inliers)
      .slice(0, REFINE_CANDIDATES);
    const refined: MatchHit[] = [];
    for (const hit of ambiguous) {
      const original = loaded.get(hit.id);
      const view = original && (await this.views.region(q, hit.geometry!, hit.mirrored));
      if (view) refined.push(toHit(hit.id, verifyPair(view, original, hit.mirrored), hit.votes));
    }
    return refined;
  }

  /** Features of `ids`, reading from the loader only those this query has not loaded yet (the second pass re-verifies). */
  private async featuresOf(ids: string[], loaded: Map<string, ImageFeatures>): Promise<Map<string, ImageFeatures>> {
    const missing = ids.filter((id) => !loaded.has(id));
    if (missing.length) for (const [id, f] of await this.loadFeatures(missing)) loaded.set(id, f);
    return loaded;
  }

  /** Nearest stored PDQ with a non-zero similarity. */
  private nearestPdq(q: ImageFeatures, filter?: (id: string) => boolean) {
    if (!q.pdq) return undefined;
    const n = this.pdqIndex.nearest(q.pdq.hash, filter);
    if (!n) return undefined;
    const sim = pdqSimilarity(n.distance, q.pdq.quality, n.quality);
    return sim > 0 ? { id: n.id, sim, d: n.distance } : undefined;
  }

  /**
   * Re-verify with dense query features: the first pass's candidates plus the dense features' own
   * best candidates, same ratio test and RANSAC; a hit keeps the stronger of its two verifications.
   * Inliers stay the evidence, so the calibration holds as long as the null tail does not move
   * (checked in docs/calibration.md).
   */
  private async secondPass(d: ImageFeatures, hits: MatchHit[], loaded: Map<string, ImageFeatures>, filter?: (id: string) => boolean): Promise<void> {
    const votes = new Map<string, number>();
    for (const h of hits) votes.set(h.id, h.votes);
    for (const c of this.index.query(views(d), this.verifyTop, filter).flat()) votes.set(c.id, Math.max(votes.get(c.id) ?? 0, c.votes));
    const originals = await this.featuresOf([...votes.keys()], loaded);
    for (const [id, v] of votes) {
      const original = originals.get(id);
      if (!original) continue;
      const best = verifyBoth(d, original);
      const i = hits.findIndex((h) => h.id === id);
      if (i < 0) {
        if (best.inliers > 0) hits.push(toHit(id, best, v));
      } else if (best.inliers > hits[i].inliers) hits[i] = toHit(id, best, hits[i].votes);
    }
  }
}

function bestInliers(hits: MatchHit[]): number {
  return Math.max(0, ...hits.map((h) => h.inliers));
}

/** The copy's outline's longer extent as a share of the query view's longer side. */
function outlineShare({ region, querySize }: MatchGeometry): number {
  const { left, top, right, bottom } = regionBounds(region);
  return Math.max(right - left, bottom - top) / Math.max(querySize.width, querySize.height);
}

/** The hits of both, one per image: the one with more inliers. */
function mergeHits(a: MatchHit[], b: MatchHit[]): MatchHit[] {
  const byId = new Map<string, MatchHit>();
  for (const h of [...a, ...b]) {
    const seen = byId.get(h.id);
    if (!seen || h.inliers > seen.inliers) byId.set(h.id, h);
  }
  return [...byId.values()];
}

/** The descriptors of a query and, when it has them, of its mirror image. */
function views(q: ImageFeatures): Uint8Array[] {
  return q.mirrored ? [q.descriptors, q.mirrored.descriptors] : [q.descriptors];
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
    ...(v.geometry ? { geometry: v.geometry } : {}),
  };
}
