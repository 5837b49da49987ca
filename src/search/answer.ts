import type { Links } from "../use-cases/links";
import type { ResolvedHit } from "./search";

/** A hit as the search API answers it, and as its search record keeps it. */
export type AnsweredHit = Omit<ResolvedHit, "imageId" | "sourceUrl" | "evidence" | "accountId" | "geometry"> & {
  thumbnailUrl: string;
  originalUrl?: string;
  evidence: { status: "stored-as-evidence"; root: string; txHash: string; blockTimestamp: number; bundleUrl: string } | { status: "pending" } | null;
};

/** Links instead of internal ids; a URL the image came from when it was fetched by URL. */
export function answerHit({ imageId, sourceUrl, evidence, accountId: _owner, geometry: _inProcessOnly, ...hit }: ResolvedHit, links: Links): AnsweredHit {
  return {
    ...hit,
    thumbnailUrl: links.thumbnail(imageId),
    ...(sourceUrl ? { originalUrl: sourceUrl } : {}),
    evidence: evidence?.status === "stored-as-evidence" ? { ...evidence, bundleUrl: links.evidence(hit.id) } : evidence,
  };
}
