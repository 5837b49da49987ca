import { ImprintError } from "../core/errors";
import { uint64ToHex } from "../core/hex";
import type { SearchRecord } from "../core/search-receipt";
import { answerHit, type AnsweredHit } from "../search/answer";
import { newSearchId, storeSearchRecord } from "../search/records";
import { searchLibrary, type Scope } from "../search/search";
import type { Actor } from "../accounts/actor";
import { authorize, ownedBy, ownsOrOperates, type Permission } from "./permissions";
import type { UseCaseDeps } from "./context";
import { receiveImage, type ImageSource } from "./image-source";
import type { Links } from "./links";

/** How long a search waits for an index that is still loading before answering 503 (small libraries load in less). */
export const INDEX_WAIT_MS = 2_000;

/** Below this shorter side a query still runs, with a `low_resolution` warning: fewer local features survive. */
export const LOW_RESOLUTION_SIDE = 300;

export interface SearchInput {
  image: ImageSource;
  scope: Scope;
  threshold: number;
  category?: string;
  limit: number;
}

export interface SearchResult {
  /** The stored record of this search (GET /v1/searches/:id). */
  searchId: string;
  query: Omit<SearchRecord["query"], "thumbnailUrl">;
  warnings: string[];
  hits: AnsweredHit[];
}

/**
 * Finds the registered originals and listings most similar to an image. Refuses to answer from an index that
 * is still loading: a partial index would report "no copies" for copies it has not read yet. Every answer is
 * stored as a search record (kept SEARCH_RECORD_DAYS, or for good once a receipt is asked for).
 */
/** Who may search: the IP centre, and the operator (support, disputes). The portal offers its search form to them only. */
export const MAY_SEARCH = ["ip-centre", "operate"] as const satisfies readonly Permission[];

export async function searchUseCase(deps: UseCaseDeps, actor: Actor, input: SearchInput, links: Links): Promise<SearchResult> {
  authorize(actor, ...MAY_SEARCH);
  const { library, config } = deps;
  if (!library) throw new ImprintError("search_unavailable", "the search index is not running in this process");
  if (!(await library.whenLoaded(INDEX_WAIT_MS))) {
    const { images, expectedImages } = library.status;
    throw new ImprintError(
      "index_loading",
      `the search index is still loading (${images}${expectedImages ? ` of about ${expectedImages}` : ""} images); retry shortly`,
      { details: library.status, retryAfterS: 10 },
    );
  }
  const received = await receiveImage(input.image, deps.fetchImage, config.MAX_UPLOAD_BYTES);
  const { fingerprint, features } = await deps.analyser.forQuery(received.bytes);
  const side = Math.min(fingerprint.width, fingerprint.height);
  if (side < config.MIN_QUERY_SIDE) {
    throw new ImprintError("image_too_small", `a query needs at least ${config.MIN_QUERY_SIDE} px on its shorter side; this one has ${side}`);
  }
  const warnings = side < LOW_RESOLUTION_SIDE ? ["low_resolution"] : [];
  const hits = await searchLibrary(deps.db, library, { fingerprint, features }, {
    scope: input.scope,
    threshold: input.threshold,
    category: input.category,
    limit: input.limit,
    recentDays: config.RECENT_DAYS,
  });
  const id = newSearchId();
  const query = { sha256: fingerprint.sha256, pdq: fingerprint.pdq, phash: uint64ToHex(fingerprint.phash), width: fingerprint.width, height: fingerprint.height };
  // A source URL can carry signed tokens in its query and names another seller's hosting: only its owner sees it.
  const answered = hits.map((hit, index) =>
    answerHit(ownsOrOperates(actor, hit.accountId) ? hit : { ...hit, sourceUrl: null }, links, { searchId: id, index }, ownedBy(actor, hit.accountId)),
  );
  const record: SearchRecord = {
    id,
    searchedAt: new Date().toISOString(),
    searchedBy: { organisationId: actor.organisationId, memberId: actor.memberId },
    query: { ...query, thumbnailUrl: links.searchThumbnail(id) },
    params: { scope: input.scope, threshold: input.threshold, category: input.category ?? null, limit: input.limit },
    hits: answered,
  };
  const matches = hits.map((hit) => ({ imageId: hit.imageId, geometry: hit.geometry ?? null }));
  await storeSearchRecord(deps.db, record, fingerprint.thumbnail, matches);
  return { searchId: id, query, warnings, hits: answered };
}
