import { eq } from "drizzle-orm";
import { base64Of, fromBase64 } from "../db/bytea";
import type { Db, Queryable } from "../db/client";
import { watchUploads } from "../db/schema";

/** Keeps an upload's bytes for its watch job, when awaited or written with the image (writeTogether). */
export function keepUpload(q: Queryable, imageId: string, bytes: Buffer) {
  return q.insert(watchUploads).values({ imageId, bytes }).onConflictDoNothing();
}

/** The bytes kept for an image's watch job, or null (watched already, or queued without them). */
export async function uploadOf(db: Db, imageId: string): Promise<Buffer | null> {
  // As base64: PGlite's bytea parser is slow on values of megabytes.
  const [row] = await db.select({ bytes: base64Of(watchUploads.bytes) }).from(watchUploads).where(eq(watchUploads.imageId, imageId)).limit(1);
  return row?.bytes ? fromBase64(row.bytes) : null;
}

/** The watch has run: the bytes are not kept any longer. */
export async function dropUpload(q: Queryable, imageId: string): Promise<void> {
  await q.delete(watchUploads).where(eq(watchUploads.imageId, imageId));
}
