import type { Links } from "../use-cases/links";
import type { ResolvedHit } from "./search";

/** A hit as the search API answers it, and as its search record keeps it. */
export type AnsweredHit = Omit<ResolvedHit, "imageId" | "sourceUrl" | "evidence" | "accountId" | "geometry"> & {
  /** Registered or listed by the searching organisation: its own original is no copy, its own listing no target. */
  yours: boolean;
  thumbnailUrl: string;
  /** Its match picture (the record keeps the geometry it is drawn from beside the answered hits). */
  matchUrl: string;
  originalUrl?: string;
  evidence: { status: "stored-as-evidence"; root: string; txHash: string; blockTimestamp: number; bundleUrl: string } | { status: "pending" } | null;
};

/**
 * Links instead of internal ids; a URL the image came from when it was fetched by URL. `at` places the hit in
 * its search's answer (its match picture is addressed by that position); its geometry is kept beside the record.
 * Whose the hit is stays internal: the answer says only whether it is the searcher's (`yours`).
 */
export function answerHit(
  { imageId, sourceUrl, evidence, accountId: _owner, geometry: _keptBesideTheRecord, ...hit }: ResolvedHit,
  links: Links,
  at: { searchId: string; index: number },
  yours: boolean,
): AnsweredHit {
  return {
    ...hit,
    yours,
    thumbnailUrl: links.thumbnail(imageId),
    matchUrl: links.searchHitMatch(at.searchId, at.index),
    ...(sourceUrl ? { originalUrl: sourceUrl } : {}),
    evidence: evidence?.status === "stored-as-evidence" ? { ...evidence, bundleUrl: links.evidence(hit.id) } : evidence,
  };
}
