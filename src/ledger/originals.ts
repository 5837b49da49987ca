import { and, desc, eq, inArray, lt, or } from "drizzle-orm";
import { fromHex, uint64ToHex, toHex } from "../core/hex";
import { leafHash, registrationIdOf, signedLeafHash } from "../core/leaf";
import type { Db } from "../db/client";
import { batches, images, originals } from "../db/schema";
import { writeTogether, type BuiltStatement } from "../db/write-together";
import type { Fingerprint } from "../imaging/fingerprint";
import { insertImage } from "../library/images";

export type OriginalStatus = "pending" | "sealed" | "anchored";

/** A registration as the API shows it. */
export interface OriginalView {
  id: string;
  accountId: string;
  /** The member who registered it. */
  registeredBy: string;
  sha256: string;
  pdq: string;
  phash: string;
  quality: number;
  width: number;
  height: number;
  productId: string;
  category: string;
  storeCountry: string;
  title: string | null;
  registeredAt: string;
  status: OriginalStatus;
  imageId: string;
}

export interface RegisterInput {
  /** The organisation: the leaf's owner. */
  accountId: string;
  /** The member acting for it (recorded, not committed to). */
  registeredBy: string;
  fingerprint: Fingerprint;
  byteSize: number;
  features?: Buffer | null;
  productId: string;
  category: string;
  storeCountry: string;
  title?: string | null;
  sourceUrl?: string | null;
  /** The owner's signature over the registration, already checked (src/use-cases/register-original.ts). */
  signed?: OwnerSignature;
}

/** An owner's EIP-712 signature as a registration carries it. */
export interface OwnerSignature {
  signer: string;
  signature: string;
  /** Seconds. */
  signedAt: number;
}

/** What must exist exactly when a new registration does (its watch job): statements written with it. */
export type WithRegistration = (registered: { id: string; imageId: string }) => BuiltStatement[];

/**
 * Registers an original: the server's clock fixes `registeredAt`, the leaf is computed at once (all its values
 * are known now) and the registration id is derived from it. The same bytes from the same account return the
 * existing registration instead of a second one (`created: false`). `alsoWrite`'s statements commit with a new
 * registration's rows, in one request to the database (writeTogether).
 */
export async function registerOriginal(...args: Parameters<typeof insertRegistration>): Promise<{ original: OriginalView; created: boolean }> {
  const [db, input] = args;
  const existing = await findOwnRegistration(db, input.accountId, input.fingerprint.sha256);
  return existing ? { original: existing, created: false } : insertRegistration(...args);
}

/**
 * registerOriginal's write, for a caller that has already looked for the bytes (findOwnRegistration) and found
 * none: a concurrent request with the same bytes may still win, and is then answered (`created: false`).
 */
export async function insertRegistration(
  db: Db,
  input: RegisterInput,
  now: () => number = Date.now,
  alsoWrite?: WithRegistration,
): Promise<{ original: OriginalView; created: boolean }> {
  const fp = input.fingerprint;
  const registeredAtMs = now();
  const values = { sha256: fp.sha256, pdq: fp.pdq, phash: fp.phash, registeredAtMs, accountId: input.accountId };
  const leaf = input.signed ? signedLeafHash({ ...values, ...input.signed, productId: input.productId }) : leafHash(values);
  const id = registrationIdOf(leaf);
  const imageId = "img_" + id.slice(4);
  const inserted = await writeTogether(db, [
    insertImage(db, { id: imageId, kind: "original", accountId: input.accountId, fingerprint: fp, byteSize: input.byteSize, features: input.features }),
    db.insert(originals).values({
      id,
      accountId: input.accountId,
      registeredBy: input.registeredBy,
      imageId,
      sha256: fp.sha256,
      productId: input.productId,
      category: input.category,
      storeCountry: input.storeCountry,
      title: input.title ?? null,
      sourceUrl: input.sourceUrl ?? null,
      registeredAtMs,
      leaf,
      ...(input.signed ?? {}),
    }),
    ...(alsoWrite?.({ id, imageId }) ?? []),
  ]).then(
    () => true,
    (error: unknown) => {
      // Lost the race to a concurrent request with the same bytes: the unique (account, sha256) index refused this
      // one, or, when both arrived in the same millisecond, they computed the same leaf and so the same image id,
      // and the primary key refused the second. Nothing of this one was written.
      if (isUniqueViolation(error)) return false;
      throw error;
    },
  );
  if (inserted) {
    // The row just written, as getOriginal would read it back, without reading it: every value is in hand, and a new
    // registration is in no batch yet (test/api.test.ts compares this answer with the stored one).
    const row: ViewRow = {
      id,
      accountId: input.accountId,
      registeredBy: input.registeredBy,
      sha256: fp.sha256,
      pdq: fromHex(fp.pdq),
      phash: fp.phash,
      quality: fp.pdqQuality,
      width: fp.width,
      height: fp.height,
      productId: input.productId,
      category: input.category,
      storeCountry: input.storeCountry,
      title: input.title ?? null,
      registeredAtMs,
      batchId: null,
      batchStatus: null,
      imageId,
    };
    return { original: toView(row), created: true };
  }
  // A concurrent request with the same bytes won the race: answer with its registration.
  const original = await findOwnRegistration(db, input.accountId, fp.sha256);
  if (!original) throw new Error(`registration ${id} lost a race to a registration that is not there`);
  return { original, created: false };
}

/** PostgreSQL's unique_violation (23505), as raised by postgres.js or PGlite, possibly wrapped by drizzle. */
function isUniqueViolation(error: unknown): boolean {
  for (let e = error; e instanceof Error || (typeof e === "object" && e !== null); e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === "23505") return true;
    if (!(e as { cause?: unknown }).cause) break;
  }
  return false;
}

const viewColumns = {
  id: originals.id,
  accountId: originals.accountId,
  registeredBy: originals.registeredBy,
  sha256: originals.sha256,
  pdq: images.pdq,
  phash: images.phash,
  quality: images.pdqQuality,
  width: images.width,
  height: images.height,
  productId: originals.productId,
  category: originals.category,
  storeCountry: originals.storeCountry,
  title: originals.title,
  registeredAtMs: originals.registeredAtMs,
  batchId: originals.batchId,
  batchStatus: batches.status,
  imageId: originals.imageId,
};

type ViewRow = Awaited<ReturnType<typeof selectViews>>[number];

function toView(row: ViewRow): OriginalView {
  const { pdq, phash, registeredAtMs, batchId, batchStatus, ...rest } = row;
  return {
    ...rest,
    pdq: toHex(pdq),
    phash: uint64ToHex(phash),
    registeredAt: new Date(registeredAtMs).toISOString(),
    status: batchId === null ? "pending" : batchStatus === "anchored" ? "anchored" : "sealed",
  };
}

function selectViews(db: Db) {
  return db
    .select(viewColumns)
    .from(originals)
    .innerJoin(images, eq(images.id, originals.imageId))
    .leftJoin(batches, eq(batches.id, originals.batchId));
}

export async function getOriginal(db: Db, id: string): Promise<OriginalView | null> {
  const [row] = await selectViews(db).where(eq(originals.id, id)).limit(1);
  return row ? toView(row) : null;
}

/** The organisation's registration of the bytes with this SHA-256 (0x + hex), if it has one. */
export async function findOwnRegistration(db: Db, accountId: string, sha256: string): Promise<OriginalView | null> {
  const [row] = await selectViews(db)
    .where(and(eq(originals.accountId, accountId), eq(originals.sha256, sha256)))
    .limit(1);
  return row ? toView(row) : null;
}

/** A cursor is the last item's (registeredAtMs, id): stable under concurrent inserts, unlike offsets. */
export interface PageCursor {
  registeredAtMs: number;
  id: string;
}

export function encodeCursor(c: PageCursor): string {
  return Buffer.from(`${c.registeredAtMs}:${c.id}`).toString("base64url");
}

export function decodeCursor(s: string): PageCursor | null {
  const m = /^(\d{1,16}):(reg_[0-9a-f]{24})$/.exec(Buffer.from(s, "base64url").toString("utf8"));
  return m ? { registeredAtMs: Number(m[1]), id: m[2] } : null;
}

/** The account's registrations, newest first. */
export async function listOriginals(db: Db, accountId: string, limit: number, cursor: PageCursor | null): Promise<{ items: OriginalView[]; nextCursor: string | null }> {
  const before = cursor
    ? or(lt(originals.registeredAtMs, cursor.registeredAtMs), and(eq(originals.registeredAtMs, cursor.registeredAtMs), lt(originals.id, cursor.id)))
    : undefined;
  const rows = await selectViews(db)
    .where(and(eq(originals.accountId, accountId), before))
    .orderBy(desc(originals.registeredAtMs), desc(originals.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit).map(toView);
  const last = items.at(-1);
  const nextCursor = rows.length > limit && last ? encodeCursor({ registeredAtMs: Date.parse(last.registeredAt), id: last.id }) : null;
  return { items, nextCursor };
}

/** The image of each of these originals, in one query (a complaint shows the pictures of those it cites). */
export async function imageIdsOfOriginals(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select({ id: originals.id, imageId: originals.imageId }).from(originals).where(inArray(originals.id, [...ids]));
  return new Map(rows.map((r) => [r.id, r.imageId]));
}

/** The organisation's registrations by image id (the search index speaks image ids). */
export async function originalIdsByImage(db: Db, accountId: string): Promise<Map<string, string>> {
  const rows = await db.select({ id: originals.id, imageId: originals.imageId }).from(originals).where(eq(originals.accountId, accountId));
  return new Map(rows.map((r) => [r.imageId, r.id]));
}
