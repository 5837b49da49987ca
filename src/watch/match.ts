import { and, eq, inArray, ne } from "drizzle-orm";
import { DEFAULT_WATCH_THRESHOLD } from "../accounts/settings";
import { base64Of, fromBase64 } from "../db/bytea";
import type { Db } from "../db/client";
import { images, listings, organisationSettings, originals } from "../db/schema";
import type { ImageFeatures } from "../matching/features";
import { toPixelGeometry, type MatchGeometry } from "../matching/geometry";
import { deserializeFeatures } from "../matching/serialize";
import type { LibraryIndex } from "../search/library-index";

/** No organisation may watch below this: under 85 the false-positive rate is not calibrated (README, Calibration). */
export const MIN_WATCH_THRESHOLD = 85;

/** The new image being watched for: a listing, or an original of another organisation. */
export interface WatchSubject {
  kind: "listing" | "original";
  id: string;
  imageId: string;
  organisationId: string;
  productId: string;
  storeId?: string;
  storeCountry: string;
  listedAt?: string;
  registeredAt?: string;
}

/** A registered original of another organisation that the subject matches at or above that organisation's threshold. */
export interface WatchMatch {
  originalId: string;
  organisationId: string;
  similarity: number;
  /** The matcher's geometry of the subject's image against the original's, in each image's pixels; null when not geometric. */
  geometry: MatchGeometry | null;
}

const NO_FEATURES: ImageFeatures = { width: 1, height: 1, keypoints: new Float32Array(0), descriptors: new Uint8Array(0) };

/**
 * Matches a stored image against every registered original of other organisations: byte-identical originals
 * (SHA-256) and the search index's verified hits from the image's stored features (read from `images.features`,
 * no re-decode). Stored features hold one orientation, so a mirrored copy is found by PDQ only, unlike a search.
 * Returns null when the image is gone (purged before its job ran).
 */
export async function matchStoredImage(db: Db, library: LibraryIndex, imageId: string): Promise<{ subject: WatchSubject; matches: WatchMatch[] } | null> {
  const [row] = await db
    .select({
      accountId: images.accountId,
      sha256: images.sha256,
      pdq: images.pdq,
      pdqQuality: images.pdqQuality,
      features: base64Of(images.features),
      width: images.width,
      height: images.height,
      original: originals,
      listing: listings,
    })
    .from(images)
    .leftJoin(originals, eq(originals.imageId, images.id))
    .leftJoin(listings, eq(listings.imageId, images.id))
    .where(eq(images.id, imageId))
    .limit(1);
  if (!row || !(row.original || row.listing)) return null;
  const subject: WatchSubject = row.listing
    ? {
        kind: "listing",
        id: row.listing.id,
        imageId,
        organisationId: row.accountId,
        productId: row.listing.productId,
        storeId: row.listing.storeId,
        storeCountry: row.listing.storeCountry,
        listedAt: row.listing.listedAt.toISOString(),
      }
    : {
        kind: "original",
        id: row.original!.id,
        imageId,
        organisationId: row.accountId,
        productId: row.original!.productId,
        storeCountry: row.original!.storeCountry,
        registeredAt: new Date(row.original!.registeredAtMs).toISOString(),
      };

  const features = row.features === null ? { ...NO_FEATURES } : deserializeFeatures(fromBase64(row.features));
  features.pdq = { hash: row.pdq, quality: row.pdqQuality };
  const watched = (id: string) => {
    const image = library.get(id);
    return id !== imageId && image?.kind === "original" && image.organisationId !== subject.organisationId;
  };
  const similarity = new Map<string, number>();
  const geometryOf = new Map<string, MatchGeometry>();
  const exact = await db
    .select({ id: images.id })
    .from(images)
    .where(and(eq(images.sha256, row.sha256), eq(images.kind, "original"), ne(images.accountId, subject.organisationId)));
  for (const { id } of exact) similarity.set(id, 100);
  for (const hit of await library.matcher.rank(features, watched)) {
    if (hit.similarity < MIN_WATCH_THRESHOLD) continue;
    if (!similarity.has(hit.id)) similarity.set(hit.id, hit.similarity);
    if (hit.geometry) geometryOf.set(hit.id, hit.geometry);
  }
  if (similarity.size === 0) return { subject, matches: [] };

  const candidates = await db
    .select({
      id: originals.id,
      imageId: originals.imageId,
      accountId: originals.accountId,
      threshold: organisationSettings.watchThreshold,
      width: images.width,
      height: images.height,
    })
    .from(originals)
    .innerJoin(images, eq(images.id, originals.imageId))
    .leftJoin(organisationSettings, eq(organisationSettings.accountId, originals.accountId))
    .where(inArray(originals.imageId, [...similarity.keys()]));
  const matches = candidates
    .filter((c) => c.accountId !== subject.organisationId && similarity.get(c.imageId)! >= (c.threshold ?? DEFAULT_WATCH_THRESHOLD))
    .map((c) => {
      const working = geometryOf.get(c.imageId);
      const geometry = working ? toPixelGeometry(working, { width: row.width, height: row.height }, { width: c.width, height: c.height }) : null;
      return { originalId: c.id, organisationId: c.accountId, similarity: similarity.get(c.imageId)!, geometry };
    });
  return { subject, matches };
}
