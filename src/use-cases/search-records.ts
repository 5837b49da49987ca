import type { Actor } from "../accounts/actor";
import { decodeKeysetCursor, encodeKeysetCursor } from "../core/cursor";
import { ImprintError } from "../core/errors";
import { requestSearchSeal, searchReceiptOf } from "../ledger/search-receipts";
import { getSearchRecord, listSearchRecords, SEARCH_ID, searchThumbnailOf, type StoredSearch } from "../search/records";
import type { UseCaseDeps } from "./context";
import { authorize } from "./permissions";

/** A record as the API shows it: the record itself and where its receipt stands. */
export type SearchRecordView = StoredSearch["record"] & { receipt: StoredSearch["receipt"] };

const view = (s: StoredSearch): SearchRecordView => ({ ...s.record, receipt: s.receipt });

/** The organisation's search records, newest first (the IP centre). */
export async function listSearchRecordsUseCase(deps: UseCaseDeps, actor: Actor, page: { limit: number; cursor?: string }) {
  authorize(actor, "ip-centre");
  const cursor = page.cursor === undefined ? null : decodeKeysetCursor(page.cursor, SEARCH_ID);
  if (page.cursor !== undefined && !cursor) throw new ImprintError("invalid_cursor", "the cursor is not one this API issued");
  const { items, next } = await listSearchRecords(deps.db, actor.organisationId, page.limit, cursor);
  return { items: items.map(view), nextCursor: next ? encodeKeysetCursor(next) : null };
}

/** One search record of the actor's organisation; another organisation's answers like a missing one. */
export async function getSearchRecordUseCase(deps: UseCaseDeps, actor: Actor, id: string): Promise<SearchRecordView> {
  authorize(actor, "ip-centre");
  const stored = await getSearchRecord(deps.db, id);
  if (!stored || stored.organisationId !== actor.organisationId) throw new ImprintError("not_found", `no search record ${id}`);
  return view(stored);
}

/**
 * Asks for a receipt: the record's digest goes into the next batch, and the record is kept for good (like an
 * original) instead of SEARCH_RECORD_DAYS. Asking again changes nothing.
 */
export async function sealSearchRecordUseCase(deps: UseCaseDeps, actor: Actor, id: string): Promise<SearchRecordView> {
  const before = await getSearchRecordUseCase(deps, actor, id);
  if (before.receipt === "none") {
    await requestSearchSeal(deps.db, id, new Date());
    deps.batcher.notifyRegistered();
  }
  return getSearchRecordUseCase(deps, actor, id);
}

/** The receipt once its batch is anchored; its status before that. */
export async function searchReceiptUseCase(deps: UseCaseDeps, actor: Actor, id: string) {
  await getSearchRecordUseCase(deps, actor, id);
  const result = await searchReceiptOf(deps.db, id);
  if (!result) throw new ImprintError("not_found", `no search record ${id}`);
  return result;
}

/** The query's thumbnail: public to whoever holds the record's id (96 random bits), like an image's. */
export async function searchThumbnailUseCase(deps: UseCaseDeps, id: string): Promise<Buffer> {
  const thumbnail = await searchThumbnailOf(deps.db, id);
  if (!thumbnail) throw new ImprintError("not_found", "no such search record");
  return thumbnail;
}
