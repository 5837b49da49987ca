import { and, eq, inArray, ne, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { DEFAULT_WATCH_THRESHOLD } from "../accounts/settings";
import { base64Of, fromBase64 } from "../db/bytea";
import type { Db } from "../db/client";
import { images, listings, organisationSettings, originals } from "../db/schema";
import type { ImageFeatures } from "../matching/features";
import { reversedGeometry, toPixelGeometry, type MatchGeometry } from "../matching/geometry";
import { deserializeFeatures } from "../matching/serialize";
import type { LibraryIndex } from "../search/library-index";

/** No organisation may watch below this: under 85 the false-positive rate is not calibrated (README, Calibration). */
export const MIN_WATCH_THRESHOLD = 85;

/**
 * The matcher verifies a handful of candidates per query; a popular original copied by many stores is matched
 * again without the images already found, up to this many times.
 */
const MAX_ROUNDS = 8;

/** An image an alert is about: a listing, or an original of another organisation. */
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

/** An alert to raise: `organisationId`'s original `originalId` matched `matched`. */
export interface WatchAlert {
  organisationId: string;
  originalId: string;
  matched: WatchSubject;
  similarity: number;
  /** The matcher's geometry of `matched`'s image against the original's, in each image's pixels; null when not geometric. */
  geometry: MatchGeometry | null;
}

const sizeOf = ({ width, height }: { width: number; height: number }) => ({ width, height });

const NO_FEATURES: ImageFeatures = { width: 1, height: 1, keypoints: new Float32Array(0), descriptors: new Uint8Array(0) };

/** The images of other organisations with the same bytes as a new image: originals, and for a new original listings too. */
const sameBytes = alias(images, "same_bytes");
const exactCopiesOf = (db: Db) =>
  db
    .select({ id: sameBytes.id })
    .from(sameBytes)
    .where(
      and(
        eq(sameBytes.sha256, images.sha256),
        ne(sameBytes.accountId, images.accountId),
        ne(sameBytes.id, images.id),
        or(eq(images.kind, "original"), eq(sameBytes.kind, "original")),
      ),
    );

/**
 * Stored images as alerts describe them, with their organisation's watch threshold; for the new image (`asNewImage`)
 * also its features and its exact copies, in the same statement.
 */
async function describeImages(db: Db, imageIds: string[], { asNewImage = false } = {}) {
  const rows = await db
    .select({
      imageId: images.id,
      accountId: images.accountId,
      pdq: images.pdq,
      pdqQuality: images.pdqQuality,
      // Only the new image's: the matched images are described, not matched again.
      features: asNewImage ? base64Of(images.features) : sql<null>`null`,
      exactCopies: asNewImage ? sql<string[]>`array(${exactCopiesOf(db)})` : sql<null>`null`,
      width: images.width,
      height: images.height,
      threshold: organisationSettings.watchThreshold,
      original: originals,
      listing: listings,
    })
    .from(images)
    .leftJoin(originals, eq(originals.imageId, images.id))
    .leftJoin(listings, eq(listings.imageId, images.id))
    .leftJoin(organisationSettings, eq(organisationSettings.accountId, images.accountId))
    .where(inArray(images.id, imageIds));
  const described = new Map<string, { subject: WatchSubject; threshold: number; row: (typeof rows)[number] }>();
  for (const row of rows) {
    const { imageId, accountId: organisationId, listing: l, original: o } = row;
    const subject: WatchSubject | undefined = l
      ? { kind: "listing", id: l.id, imageId, organisationId, productId: l.productId, storeId: l.storeId, storeCountry: l.storeCountry, listedAt: l.listedAt.toISOString() }
      : o
        ? { kind: "original", id: o.id, imageId, organisationId, productId: o.productId, storeCountry: o.storeCountry, registeredAt: new Date(o.registeredAtMs).toISOString() }
        : undefined;
    if (subject) described.set(imageId, { subject, threshold: row.threshold ?? DEFAULT_WATCH_THRESHOLD, row });
  }
  return described;
}

/**
 * Matches a new image against the library, both ways, as one query:
 * - every image matches the registered originals of other organisations, which alert their organisations;
 * - a new original also matches the listings and originals other organisations stored before it, which alert its
 *   own organisation (a copy listed before the original was registered is found too).
 * An organisation's own images never match. Byte-identical images (SHA-256) score 100; the rest are the matcher's
 * verified hits. `query` is the upload analysed for the watch (analyseForWatch: a search query's first view, from
 * which the matcher makes its mirror image and dense features); without it (the upload's bytes are gone) the stored
 * features stand in, and a mirrored copy is found by PDQ only.
 * Returns null when the image is gone (purged before its job ran).
 */
export async function matchNewImage(
  db: Db,
  library: LibraryIndex,
  imageId: string,
  query?: ImageFeatures,
): Promise<{ subject: WatchSubject; alerts: WatchAlert[] } | null> {
  const self = (await describeImages(db, [imageId], { asNewImage: true })).get(imageId);
  if (!self) return null;
  const { subject, row } = self;
  const mine = subject.organisationId;
  const both = subject.kind === "original";

  let features = query;
  if (!features) {
    features = row.features === null ? { ...NO_FEATURES } : deserializeFeatures(fromBase64(row.features));
    features.pdq = { hash: row.pdq, quality: row.pdqQuality };
  }
  const similarity = new Map<string, number>();
  const geometryOf = new Map<string, MatchGeometry>();
  const watched = (id: string) => {
    const image = library.get(id);
    return id !== imageId && !similarity.has(id) && image !== undefined && image.organisationId !== mine && (both || image.kind === "original");
  };
  for (const id of row.exactCopies ?? []) similarity.set(id, 100);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const found = (await library.matcher.rank(features, watched)).filter((hit) => hit.similarity >= MIN_WATCH_THRESHOLD);
    for (const hit of found) {
      similarity.set(hit.id, hit.similarity);
      if (hit.geometry) geometryOf.set(hit.id, hit.geometry);
    }
    if (found.length === 0) break;
  }
  if (similarity.size === 0) return { subject, alerts: [] };

  const alerts: WatchAlert[] = [];
  for (const [otherId, other] of await describeImages(db, [...similarity.keys()])) {
    const score = similarity.get(otherId)!;
    if (other.subject.organisationId === mine) continue;
    // The matcher's geometry has the new image as the query and the other as the original, in working pixels.
    const working = geometryOf.get(otherId);
    const geometry = working ? toPixelGeometry(working, sizeOf(row), sizeOf(other.row)) : null;
    if (other.subject.kind === "original" && score >= other.threshold) {
      alerts.push({ organisationId: other.subject.organisationId, originalId: other.subject.id, matched: subject, similarity: score, geometry });
    }
    if (both && score >= self.threshold) {
      const reversed = geometry && reversedGeometry(geometry);
      alerts.push({ organisationId: mine, originalId: subject.id, matched: other.subject, similarity: score, geometry: reversed });
    }
  }
  return { subject, alerts };
}
