import { and, eq, inArray, isNotNull, isNull, lt } from "drizzle-orm";
import { newId } from "../accounts/keys";
import { toHex, uint64ToHex } from "../core/hex";
import type { Db } from "../db/client";
import { images, listings } from "../db/schema";
import type { Fingerprint } from "../imaging/fingerprint";
import { insertImage } from "./images";

export interface ListingView {
  id: string;
  accountId: string;
  /** The member who listed it. */
  listedBy: string;
  imageId: string;
  productId: string;
  storeId: string;
  storeCountry: string;
  category: string;
  listedAt: string;
  delistedAt: string | null;
  sha256: string;
  pdq: string;
  phash: string;
}

export interface NewListing {
  accountId: string;
  listedBy: string;
  fingerprint: Fingerprint;
  byteSize: number;
  features?: Buffer | null;
  productId: string;
  storeId: string;
  storeCountry: string;
  category: string;
  listedAt: Date;
  sourceUrl?: string | null;
}

/** A product image as listed in a store: searchable, never anchored (listings are not claims of origin). */
export async function addListing(db: Db, input: NewListing): Promise<ListingView> {
  const id = newId("lst");
  const imageId = "img_" + id.slice(4);
  await db.transaction(async (tx) => {
    await insertImage(tx, { id: imageId, kind: "listing", accountId: input.accountId, fingerprint: input.fingerprint, byteSize: input.byteSize, features: input.features });
    await tx.insert(listings).values({
      id,
      accountId: input.accountId,
      listedBy: input.listedBy,
      imageId,
      productId: input.productId,
      storeId: input.storeId,
      storeCountry: input.storeCountry,
      category: input.category,
      listedAt: input.listedAt,
      sourceUrl: input.sourceUrl ?? null,
    });
  });
  return (await getListing(db, id))!;
}

export async function getListing(db: Db, id: string): Promise<ListingView | null> {
  const [row] = await db
    .select({ listing: listings, sha256: images.sha256, pdq: images.pdq, phash: images.phash })
    .from(listings)
    .innerJoin(images, eq(images.id, listings.imageId))
    .where(eq(listings.id, id))
    .limit(1);
  if (!row) return null;
  const l = row.listing;
  return {
    id: l.id,
    accountId: l.accountId,
    listedBy: l.listedBy,
    imageId: l.imageId,
    productId: l.productId,
    storeId: l.storeId,
    storeCountry: l.storeCountry,
    category: l.category,
    listedAt: l.listedAt.toISOString(),
    delistedAt: l.delistedAt?.toISOString() ?? null,
    sha256: row.sha256,
    pdq: toHex(row.pdq),
    phash: uint64ToHex(row.phash),
  };
}

/** Marks a listing delisted (once: the first time counts for retention); `by` names an upheld complaint. */
export async function delistListing(db: Db, id: string, at: Date, by?: string): Promise<void> {
  await db
    .update(listings)
    .set({ delistedAt: at, delistedBy: by ?? null })
    .where(and(eq(listings.id, id), isNull(listings.delistedAt)));
}

/**
 * Deletes listings delisted more than `retentionDays` ago, with their images. Returns the purged image ids so
 * in-memory indexes can drop them (other processes drop them when a hit no longer resolves to a row).
 */
export async function purgeDelisted(db: Db, now: Date, retentionDays: number): Promise<string[]> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  return db.transaction(async (tx) => {
    const expired = await tx
      .delete(listings)
      .where(and(isNotNull(listings.delistedAt), lt(listings.delistedAt, cutoff)))
      .returning({ imageId: listings.imageId });
    const ids = expired.map((e) => e.imageId);
    if (ids.length) await tx.delete(images).where(inArray(images.id, ids));
    return ids;
  });
}
