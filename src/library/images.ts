import { and, count, eq, inArray, isNotNull } from "drizzle-orm";
import { ImprintError } from "../core/errors";
import { fromHex } from "../core/hex";
import { base64Of, fromBase64 } from "../db/bytea";
import type { Db, Queryable } from "../db/client";
import { images } from "../db/schema";
import type { Fingerprint } from "../imaging/fingerprint";
import { INDEX_DESCRIPTORS } from "../matching/candidates";
import type { FeatureLoader } from "../matching/matcher";
import type { ImageFeatures } from "../matching/features";
import { deserializeFeatures, leadingDescriptors } from "../matching/serialize";

export interface NewImage {
  id: string;
  kind: "original" | "listing";
  accountId: string;
  fingerprint: Fingerprint;
  byteSize: number;
  /** Serialised local features for geometric verification, when extracted. */
  features?: Buffer | null;
}

/** The four 16-bit chunks of a 64-bit hash, high chunk first, for multi-index Hamming search. */
export function phashChunks(phash: bigint): [number, number, number, number] {
  const u = BigInt.asUintN(64, phash);
  return [Number((u >> 48n) & 0xffffn), Number((u >> 32n) & 0xffffn), Number((u >> 16n) & 0xffffn), Number(u & 0xffffn)];
}

/** The image's row, written when awaited or with other statements (writeTogether). */
export function insertImage(q: Queryable, image: NewImage) {
  const fp = image.fingerprint;
  const [c0, c1, c2, c3] = phashChunks(fp.phash);
  return q.insert(images).values({
    id: image.id,
    kind: image.kind,
    accountId: image.accountId,
    sha256: fp.sha256,
    pdq: fromHex(fp.pdq),
    pdqQuality: fp.pdqQuality,
    // Signed bigint keeps all 64 bits; read back with BigInt.asUintN(64, …).
    phash: BigInt.asIntN(64, fp.phash),
    phash0: c0,
    phash1: c1,
    phash2: c2,
    phash3: c3,
    width: fp.width,
    height: fp.height,
    format: fp.format,
    byteSize: image.byteSize,
    thumbnail: fp.thumbnail,
    features: image.features ?? null,
    indexDescriptors: image.features ? leadingDescriptors(image.features, INDEX_DESCRIPTORS) : null,
  });
}

export async function thumbnailOf(db: Db, imageId: string): Promise<Buffer | null> {
  const [row] = await db.select({ thumbnail: images.thumbnail }).from(images).where(eq(images.id, imageId)).limit(1);
  return row?.thumbnail ?? null;
}

/**
 * Verification features of the given images, read by primary key (the matcher's FeatureLoader). An unreadable
 * record loses only that candidate's geometric check (its exact-SHA and PDQ paths still work), not the search.
 */
export function featureLoader(db: Db): FeatureLoader {
  return async (ids) => {
    const out = new Map<string, ImageFeatures>();
    if (ids.length === 0) return out;
    const rows = await db
      .select({ id: images.id, features: base64Of(images.features) })
      .from(images)
      .where(and(inArray(images.id, [...ids]), isNotNull(images.features)));
    for (const row of rows) {
      try {
        out.set(row.id, deserializeFeatures(fromBase64(row.features!)));
      } catch (error) {
        if (!(error instanceof ImprintError)) throw error;
      }
    }
    return out;
  };
}

export async function countImages(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(images);
  return row.n;
}
