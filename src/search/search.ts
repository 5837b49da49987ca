import { eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { batches, images, listings, originals } from "../db/schema";
import type { Fingerprint } from "../imaging/fingerprint";
import type { ImageFeatures } from "../matching/features";
import { toPixelGeometry, type MatchGeometry, type Point } from "../matching/geometry";
import type { IndexedImage, LibraryIndex } from "./library-index";

export type Scope = "all" | "recent" | "originals";

export interface SearchParams {
  scope: Scope;
  threshold: number;
  category?: string;
  limit: number;
  recentDays: number;
  now?: number;
}

export interface ResolvedHit {
  kind: "original" | "listing";
  id: string;
  /** The organisation that registered or listed it (decides who may see `sourceUrl`). */
  accountId: string;
  imageId: string;
  productId: string;
  storeCountry: string;
  category: string;
  registeredAt?: string;
  listedAt?: string;
  similarity: number;
  /** The copy's outline in the query, in query pixels (corners of the original: top-left, top-right, bottom-right, bottom-left); absent for exact-bytes and PDQ-only hits. */
  region?: [Point, Point, Point, Point];
  /** What a match picture is drawn from: inlier pairs, outline and transform, each in its image's own pixels. */
  geometry?: MatchGeometry;
  sourceUrl: string | null;
  evidence: { status: "stored-as-evidence"; root: string; txHash: string; blockTimestamp: number } | { status: "pending" } | null;
}

/** Which indexed images a query may match: scope, category, recency. */
export function scopeFilter(params: SearchParams): (image: IndexedImage) => boolean {
  const recentSince = (params.now ?? Date.now()) - params.recentDays * 86_400_000;
  const category = params.category?.toLowerCase();
  return (image) =>
    (category === undefined || image.category.toLowerCase() === category) &&
    (params.scope === "all" ||
      (params.scope === "originals" && image.kind === "original") ||
      (params.scope === "recent" && image.kind === "listing" && image.timeMs >= recentSince));
}

/**
 * Finds the library images most similar to a query: exact bytes first (SHA-256, also for pictures without
 * enough texture for local features), then the matcher's geometrically verified hits; every hit is resolved
 * against the database, so purged or foreign rows never leak out of the in-memory index.
 */
export async function searchLibrary(
  db: Db,
  index: LibraryIndex,
  query: { fingerprint: Fingerprint; features: ImageFeatures },
  params: SearchParams,
): Promise<ResolvedHit[]> {
  const accept = scopeFilter(params);
  const filter = (id: string) => {
    const image = index.get(id);
    return image !== undefined && accept(image);
  };
  const similarity = new Map<string, number>();
  // The byte-identical images are looked up while the matcher works (the database has a thread or a server of its
  // own). The matcher only ranks, then cuts its list at `limit`, so it is cut here, once the exact ones are known.
  const [exact, ranked] = await Promise.all([
    db.select({ id: images.id }).from(images).where(eq(images.sha256, query.fingerprint.sha256)).execute(),
    index.matcher.search(query.features, { limit: Number.POSITIVE_INFINITY, threshold: params.threshold, filter }),
  ]);
  const exactIds = new Set(exact.map((e) => e.id).filter(filter));
  for (const id of exactIds) similarity.set(id, 100);
  const hits = ranked.slice(0, params.limit + exactIds.size);
  const geometryOf = new Map<string, MatchGeometry>();
  for (const hit of hits) {
    if (!similarity.has(hit.id)) similarity.set(hit.id, hit.similarity);
    if (hit.geometry) geometryOf.set(hit.id, hit.geometry);
  }
  if (similarity.size === 0) return [];

  const rows = await db
    .select({ imageId: images.id, width: images.width, height: images.height, original: originals, listing: listings, batch: batches })
    .from(images)
    .leftJoin(originals, eq(originals.imageId, images.id))
    .leftJoin(listings, eq(listings.imageId, images.id))
    .leftJoin(batches, eq(batches.id, originals.batchId))
    .where(inArray(images.id, [...similarity.keys()]));
  const found = new Set(rows.map((r) => r.imageId));
  for (const id of similarity.keys()) if (!found.has(id)) index.remove(id); // purged since it was indexed

  const resolved: ResolvedHit[] = [];
  const querySize = { width: query.fingerprint.width, height: query.fingerprint.height };
  for (const { imageId, width, height, original: o, listing: l, batch: b } of rows) {
    const score = similarity.get(imageId)!;
    const working = geometryOf.get(imageId);
    const geometry = working && toPixelGeometry(working, querySize, { width, height });
    const where = geometry ? { region: geometry.region, geometry } : {};
    if (o) {
      resolved.push({
        kind: "original",
        id: o.id,
        accountId: o.accountId,
        imageId,
        productId: o.productId,
        storeCountry: o.storeCountry,
        category: o.category,
        registeredAt: new Date(o.registeredAtMs).toISOString(),
        similarity: score,
        ...where,
        sourceUrl: o.sourceUrl,
        evidence:
          b?.status === "anchored"
            ? { status: "stored-as-evidence", root: b.root, txHash: b.txHash!, blockTimestamp: b.blockTimestamp! }
            : { status: "pending" },
      });
    } else if (l) {
      resolved.push({
        kind: "listing",
        id: l.id,
        accountId: l.accountId,
        imageId,
        productId: l.productId,
        storeCountry: l.storeCountry,
        category: l.category,
        listedAt: l.listedAt.toISOString(),
        similarity: score,
        ...where,
        sourceUrl: l.sourceUrl,
        evidence: null,
      });
    }
  }
  // Ties go to byte-identical copies, then to a stable order.
  const isExact = (h: ResolvedHit) => (exactIds.has(h.imageId) ? 1 : 0);
  resolved.sort((a, b) => b.similarity - a.similarity || isExact(b) - isExact(a) || (a.id < b.id ? -1 : 1));
  return resolved.slice(0, params.limit);
}
