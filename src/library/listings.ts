import { and, eq, inArray, isNotNull, isNull, lt } from "drizzle-orm";
import { newId } from "../accounts/keys";
import { toHex, uint64ToHex } from "../core/hex";
import type { Db, Queryable } from "../db/client";
import type { BuiltStatement } from "../db/write-together";
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

/**
 * A product image as listed in a store: searchable, never anchored (listings are not claims of origin). Built, not
 * written: the statements that store it, for the caller to write with what must exist exactly when it does (its
 * watch job) in one request (writeTogether), and the listing as getListing will read it back.
 */
export function newListing(db: Queryable, input: NewListing): { listing: ListingView; statements: BuiltStatement[] } {
  const id = newId("lst");
  const imageId = "img_" + id.slice(4);
  const fp = input.fingerprint;
  const row = {
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
  };
  return {
    listing: toView({ ...row, delistedAt: null }, fp),
    statements: [
      insertImage(db, { id: imageId, kind: "listing", accountId: input.accountId, fingerprint: fp, byteSize: input.byteSize, features: input.features }),
      db.insert(listings).values(row),
    ],
  };
}

export async function getListing(db: Db, id: string): Promise<ListingView | null> {
  const [row] = await db
    .select({ listing: listings, sha256: images.sha256, pdq: images.pdq, phash: images.phash })
    .from(listings)
    .innerJoin(images, eq(images.id, listings.imageId))
    .where(eq(listings.id, id))
    .limit(1);
  if (!row) return null;
  return toView(row.listing, { sha256: row.sha256, pdq: toHex(row.pdq), phash: row.phash });
}

type ListingRow = Pick<typeof listings.$inferSelect, "id" | "accountId" | "listedBy" | "imageId" | "productId" | "storeId" | "storeCountry" | "category" | "listedAt" | "delistedAt">;

function toView(l: ListingRow, image: Pick<Fingerprint, "sha256" | "pdq" | "phash">): ListingView {
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
    sha256: image.sha256,
    pdq: image.pdq,
    phash: uint64ToHex(image.phash),
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
