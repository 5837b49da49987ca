import { randomBytes } from "node:crypto";
import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import { canonicalJson } from "../core/canonical-json";
import type { KeysetCursor } from "../core/cursor";
import type { SearchRecord } from "../core/search-receipt";
import type { Db } from "../db/client";
import { batches, searchRecords, type RecordedMatch } from "../db/schema";
import type { AnsweredHit } from "./answer";

export const SEARCH_ID = /^srch_[0-9a-f]{24}$/;

/** 96 random bits: a record's thumbnail is served to anyone holding its id, like an image's. */
export function newSearchId(): string {
  return "srch_" + randomBytes(12).toString("hex");
}

export type ReceiptStatus = "none" | "pending" | "sealed" | "anchored";

/** A record as this service wrote it: its hits are the search API's (the receipt format only requires objects). */
export type AnsweredSearchRecord = Omit<SearchRecord, "hits"> & { hits: AnsweredHit[] };

export interface StoredSearch {
  record: AnsweredSearchRecord;
  organisationId: string;
  receipt: ReceiptStatus;
}

/**
 * Stores a search as answered; the record is kept in its canonical form, the bytes its digest is taken over.
 * `matches` (one per answered hit, same order) is kept beside it for the hits' match pictures.
 */
export async function storeSearchRecord(db: Db, record: SearchRecord, thumbnail: Buffer, matches: RecordedMatch[]): Promise<void> {
  if (matches.length !== record.hits.length) throw new Error("invariant violated: one recorded match per answered hit");
  await db.insert(searchRecords).values({
    id: record.id,
    accountId: record.searchedBy.organisationId,
    memberId: record.searchedBy.memberId,
    searchedAtMs: Date.parse(record.searchedAt),
    record: canonicalJson(record),
    thumbnail,
    hitMatches: matches,
  });
}

const columns = {
  accountId: searchRecords.accountId,
  record: searchRecords.record,
  sealRequestedAt: searchRecords.sealRequestedAt,
  batchId: searchRecords.batchId,
  batchStatus: batches.status,
};

function toStored(row: { accountId: string; record: string; sealRequestedAt: Date | null; batchId: number | null; batchStatus: string | null }): StoredSearch {
  const receipt: ReceiptStatus = !row.sealRequestedAt ? "none" : row.batchId === null ? "pending" : row.batchStatus === "anchored" ? "anchored" : "sealed";
  return { record: JSON.parse(row.record) as AnsweredSearchRecord, organisationId: row.accountId, receipt };
}

export async function getSearchRecord(db: Db, id: string): Promise<StoredSearch | null> {
  const [row] = await db.select(columns).from(searchRecords).leftJoin(batches, eq(batches.id, searchRecords.batchId)).where(eq(searchRecords.id, id)).limit(1);
  return row ? toStored(row) : null;
}

/** The organisation's searches, newest first. */
export async function listSearchRecords(db: Db, organisationId: string, limit: number, cursor: KeysetCursor | null) {
  const before = cursor
    ? or(lt(searchRecords.searchedAtMs, cursor.ms), and(eq(searchRecords.searchedAtMs, cursor.ms), lt(searchRecords.id, cursor.id)))
    : undefined;
  const rows = await db
    .select({ ...columns, id: searchRecords.id, searchedAtMs: searchRecords.searchedAtMs })
    .from(searchRecords)
    .leftJoin(batches, eq(batches.id, searchRecords.batchId))
    .where(and(eq(searchRecords.accountId, organisationId), before))
    .orderBy(desc(searchRecords.searchedAtMs), desc(searchRecords.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(toStored), next: rows.length > limit && last ? { ms: last.searchedAtMs, id: last.id } : null };
}

export async function searchThumbnailOf(db: Db, id: string): Promise<Buffer | null> {
  const [row] = await db.select({ thumbnail: searchRecords.thumbnail }).from(searchRecords).where(eq(searchRecords.id, id)).limit(1);
  return row?.thumbnail ?? null;
}

/**
 * What the match picture of hit `index` of a record is drawn from: the query's thumbnail and the hit's recorded
 * match (null when the record has no such hit, or was written before matches were kept beside it).
 */
export async function searchHitMatchOf(db: Db, id: string, index: number): Promise<{ organisationId: string; queryThumbnail: Buffer; match: RecordedMatch | null } | null> {
  const [row] = await db
    .select({ organisationId: searchRecords.accountId, thumbnail: searchRecords.thumbnail, matches: searchRecords.hitMatches })
    .from(searchRecords)
    .where(eq(searchRecords.id, id))
    .limit(1);
  return row ? { organisationId: row.organisationId, queryThumbnail: row.thumbnail, match: row.matches?.[index] ?? null } : null;
}

/** Deletes records older than `days` for which no receipt was asked (those are kept like originals). */
export async function purgeSearchRecords(db: Db, now: Date, days: number): Promise<number> {
  const cutoff = now.getTime() - days * 86_400_000;
  const purged = await db
    .delete(searchRecords)
    .where(and(isNull(searchRecords.sealRequestedAt), lt(searchRecords.searchedAtMs, cutoff)))
    .returning({ id: searchRecords.id });
  return purged.length;
}
