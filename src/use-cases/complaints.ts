import type { Actor } from "../accounts/actor";
import { ImprintError } from "../core/errors";
import type { ComplaintStatus } from "../db/schema";
import { evidenceOf } from "../ledger/evidence";
import { getOriginal, imageIdsOfOriginals, originalIdsByImage, type OriginalView } from "../ledger/originals";
import { featureLoader } from "../library/images";
import { delistListing, getListing } from "../library/listings";
import { checkPdfAttachment, MAX_ATTACHMENTS, type CheckedAttachment } from "../complaints/pdf-attachment";
import {
  attachmentBytes,
  attachmentsOf,
  complaintStats,
  getComplaint,
  insertComplaint,
  listComplaints,
  openComplaintOf,
  timelineOf,
  transition,
  type AlongWith,
  type ComplaintRow,
} from "../complaints/store";
import type { MatchGeometry } from "../matching/geometry";
import { compareStoredImages } from "../search/compare";
import { getSearchRecord } from "../search/records";
import { getAlert } from "../watch/alerts";
import { WEBHOOK_JOB } from "../webhooks/events";
import { noticeComplaintFiled, publishComplaintStep } from "./complaint-notices";
import type { UseCaseDeps } from "./context";
import { linksFrom } from "./links";
import { authorize, can, ownedBy } from "./permissions";
import { INDEX_WAIT_MS } from "./search";

export interface UploadedFile {
  filename: string;
  bytes: Buffer;
}

/** What the chain said of an original's registration at a moment: anchored with its block time, or not yet. */
export type EvidenceState =
  | { status: "anchored"; chainId: number; contract: string; txHash: string; blockNumber: number; blockTimestamp: number; root: string }
  | { status: "pending" | "sealed" };

export interface OriginalMatch {
  originalId: string;
  productId: string;
  similarity: number;
  inliers: number;
  pdqDistance: number;
  evidence: EvidenceState;
}

export interface Appeal {
  statement: string;
  /** The appellant's originals: given, or found by the service ("one click"). */
  originalIds: string[];
  foundByService: boolean;
  /** Whose registration the chain dates first: block times decide, not server times. */
  priority: "appellant-earlier" | "complainant-earlier";
  appellant: { earliestBlockTimestamp: number | null; originals: OriginalMatch[] };
  complainant: { earliestBlockTimestamp: number | null };
}

const MIN_MATCH = 85;

async function evidenceStateOf(deps: UseCaseDeps, originalId: string): Promise<EvidenceState> {
  const evidence = await evidenceOf(deps.db, originalId);
  if (!evidence) throw new ImprintError("not_found", `no registration ${originalId}`);
  if (evidence.status !== "anchored") return { status: evidence.status };
  const { anchor, merkle } = evidence.bundle;
  return { status: "anchored", chainId: anchor.chainId, contract: anchor.contract, txHash: anchor.txHash, blockNumber: anchor.blockNumber, blockTimestamp: anchor.blockTimestamp, root: merkle.root };
}

/** The organisation's own originals by id; any other id answers like a missing one. */
async function ownOriginals(deps: UseCaseDeps, actor: Actor, ids: readonly string[]): Promise<OriginalView[]> {
  const found = await Promise.all(ids.map((id) => getOriginal(deps.db, id)));
  return found.map((o, i) => {
    if (!o || o.accountId !== actor.organisationId) throw new ImprintError("not_found", `no registration ${ids[i]}`);
    return o;
  });
}

async function checkAttachments(files: readonly UploadedFile[]): Promise<CheckedAttachment[]> {
  if (files.length > MAX_ATTACHMENTS) throw new ImprintError("too_many_attachments", `at most ${MAX_ATTACHMENTS} attachments`);
  return Promise.all(files.map((f) => checkPdfAttachment(f.filename, f.bytes)));
}

/**
 * The listing's image compared with each original, by the matcher's own verification, with each one's evidence
 * now, and the verification's geometry (what the report's match picture draws).
 */
async function matchOriginals(deps: UseCaseDeps, listingImageId: string, originals: OriginalView[]): Promise<{ match: OriginalMatch; geometry: MatchGeometry | null }[]> {
  const comparisons = await compareStoredImages(deps.db, listingImageId, originals.map((o) => o.imageId));
  return Promise.all(
    originals.map(async (o, i) => ({
      match: {
        originalId: o.id,
        productId: o.productId,
        similarity: comparisons[i].similarity,
        inliers: comparisons[i].inliers,
        pdqDistance: comparisons[i].pdqDistance,
        evidence: await evidenceStateOf(deps, o.id),
      },
      geometry: comparisons[i].geometry,
    })),
  );
}

const earliestBlock = (matches: readonly { evidence: EvidenceState }[]) => {
  const times = matches.flatMap((m) => (m.evidence.status === "anchored" ? [m.evidence.blockTimestamp] : []));
  return times.length ? Math.min(...times) : null;
};

/**
 * What a complaint against a listing would cite, before it is filed: the listing, and the actor's registered
 * originals that the search index finds in its image (with the matcher's similarity and each one's evidence now),
 * so the filing form offers them instead of asking for ids.
 */
export async function complaintDraftUseCase(deps: UseCaseDeps, actor: Actor, listingId: string | undefined) {
  authorize(actor, "ip-centre");
  // No listing named yet: a blank form, still only for those who may file.
  if (!listingId) return null;
  const listing = await getListing(deps.db, listingId);
  if (!listing) throw new ImprintError("not_found", `no listing ${listingId}`);
  if (ownedBy(actor, listing.accountId)) throw new ImprintError("own_listing", "this listing is your own organisation's");
  await checkStillToDecide(deps, actor, listing);
  const matched = await matchOriginals(deps, listing.imageId, await matchingOriginalsOf(deps, actor, listing.imageId));
  return {
    listing: { id: listing.id, productId: listing.productId, storeCountry: listing.storeCountry, listedAt: listing.listedAt, imageId: listing.imageId },
    originals: matched.map((m) => m.match).sort((a, b) => b.similarity - a.similarity),
  };
}

/**
 * A listing that is still a case to decide for the actor: still listed (a delisted one has nothing left to take
 * down), and not already the subject of the actor's complaint that is still open (a reviewer would decide the
 * same case twice).
 */
async function checkStillToDecide(deps: UseCaseDeps, actor: Actor, listing: { id: string; delistedAt: string | null }) {
  if (listing.delistedAt) throw new ImprintError("listing_delisted", `listing ${listing.id} was delisted at ${listing.delistedAt}: there is nothing left to take down`);
  const open = await openComplaintOf(deps.db, actor.organisationId, listing.id);
  if (open) throw new ImprintError("complaint_open", `your complaint ${open} against listing ${listing.id} is still open`, { details: { complaintId: open } });
}

export type ComplaintDraft = NonNullable<Awaited<ReturnType<typeof complaintDraftUseCase>>>;

export interface FileComplaintInput {
  listingId: string;
  originalIds: string[];
  searchId?: string;
  alertId?: string;
  statement: string;
  attachments: UploadedFile[];
}

/**
 * Files a complaint against another organisation's listing, citing the complainant's own originals. The match
 * (similarity and geometric evidence of each original against the listing's image) and each original's evidence
 * state are recorded as they are at filing time.
 */
export async function fileComplaintUseCase(deps: UseCaseDeps, actor: Actor, input: FileComplaintInput) {
  authorize(actor, "ip-centre");
  // Checked here, not in a route: the API and the portal's form (whose offered originals can all be unticked) file alike.
  if (input.originalIds.length === 0 || input.originalIds.length > 20) throw new ImprintError("invalid_request", "'originalIds' names 1 to 20 of your originals");
  const listing = await getListing(deps.db, input.listingId);
  if (!listing) throw new ImprintError("not_found", `no listing ${input.listingId}`);
  if (ownedBy(actor, listing.accountId)) throw new ImprintError("own_listing", "this listing is your own organisation's");
  const originals = await ownOriginals(deps, actor, [...new Set(input.originalIds)]);
  const links = linksFrom(deps.config.PUBLIC_BASE_URL);
  // What the complaint says it came from must be the complainant's own: another's answers like a missing one.
  if (input.searchId !== undefined && (await getSearchRecord(deps.db, input.searchId))?.organisationId !== actor.organisationId) {
    throw new ImprintError("not_found", `no search record ${input.searchId}`);
  }
  if (input.alertId !== undefined && (await getAlert(deps.db, input.alertId, links))?.organisationId !== actor.organisationId) {
    throw new ImprintError("not_found", `no alert ${input.alertId}`);
  }
  const attachments = await checkAttachments(input.attachments);
  // After the filing itself is found valid: its mistakes are told first, whatever the listing's state.
  await checkStillToDecide(deps, actor, listing);
  const matched = await matchOriginals(deps, listing.imageId, originals);
  let published = 0;
  const id = await insertComplaint(deps.db, actor, {
    complainantId: actor.organisationId,
    listingId: listing.id,
    respondentId: listing.accountId,
    originalIds: originals.map((o) => o.id),
    searchId: input.searchId,
    alertId: input.alertId,
    statement: input.statement,
    match: matched.map((m) => m.match),
    matchGeometry: matched.map((m) => m.geometry),
    attachments,
  }, async (tx, id) => {
    const parties = { id, complainantId: actor.organisationId, respondentId: listing.accountId, listingId: listing.id };
    published = await noticeComplaintFiled(tx, links, parties, listing, Math.max(...matched.map((m) => m.match.similarity)));
  });
  if (published) deps.wakeJobs?.(WEBHOOK_JOB);
  return complaintView(deps, (await getComplaint(deps.db, id))!);
}

/** A complaint as its parties and the reviewers see it: what was filed, the appeal, the decision, the timeline. */
export async function complaintView(deps: UseCaseDeps, c: ComplaintRow) {
  const cited = c.match as OriginalMatch[];
  const [timeline, attachments, listing, imageIds] = await Promise.all([
    timelineOf(deps.db, c.id),
    attachmentsOf(deps.db, c.id),
    getListing(deps.db, c.listingId),
    imageIdsOfOriginals(deps.db, cited.map((o) => o.originalId)),
  ]);
  return {
    id: c.id,
    status: c.status,
    createdAt: c.createdAt.toISOString(),
    complainantId: c.complainantId,
    respondentId: c.respondentId,
    listing: listing
      ? { id: listing.id, productId: listing.productId, storeId: listing.storeId, storeCountry: listing.storeCountry, listedAt: listing.listedAt, delistedAt: listing.delistedAt, imageId: listing.imageId }
      : { id: c.listingId },
    // Each cited original's image, so that both parties and the reviewer see the two pictures side by side.
    originals: cited.map((o) => ({ ...o, imageId: imageIds.get(o.originalId) ?? null })),
    searchId: c.searchId,
    alertId: c.alertId,
    statement: c.statement,
    appeal: (c.appeal as Appeal | null) ?? null,
    decision: c.decidedAt ? { outcome: c.status as "upheld" | "rejected", reason: c.decisionReason!, decidedAt: c.decidedAt.toISOString() } : null,
    appealDeadline: new Date(c.createdAt.getTime() + deps.config.APPEAL_DAYS * 86_400_000).toISOString(),
    timeline: timeline.map((e) => ({ ...e, at: e.at.toISOString() })),
    attachments,
  };
}

export type ComplaintView = Awaited<ReturnType<typeof complaintView>>;

/** The webhook events of a step, written with it (`alongWith`); `wake` after the commit, so the job runner sees them. */
function notices(deps: UseCaseDeps, c: ComplaintRow, step: "appealed" | "upheld" | "rejected" | "withdrawn", reason?: string): { alongWith: AlongWith; wake(): void } {
  let queued = 0;
  return {
    alongWith: async (tx) => {
      queued = await publishComplaintStep(tx, linksFrom(deps.config.PUBLIC_BASE_URL), c, step, { reason });
    },
    wake: () => {
      if (queued) deps.wakeJobs?.(WEBHOOK_JOB);
    },
  };
}

/** Which side of a complaint the actor is on; reviewers and the operator see every complaint. Others get 404. */
async function visibleComplaint(deps: UseCaseDeps, actor: Actor, id: string): Promise<{ c: ComplaintRow; side: "complainant" | "respondent" | "reviewer" }> {
  const c = await getComplaint(deps.db, id);
  if (c) {
    if (can(actor, "review") || can(actor, "operate")) return { c, side: "reviewer" };
    if (can(actor, "ip-centre") && c.complainantId === actor.organisationId) return { c, side: "complainant" };
    if (can(actor, "ip-centre") && c.respondentId === actor.organisationId) return { c, side: "respondent" };
  }
  throw new ImprintError("not_found", `no complaint ${id}`);
}

/** One complaint, and which side of it the actor is on (what the actor may do next follows from it). */
export async function getComplaintUseCase(deps: UseCaseDeps, actor: Actor, id: string) {
  const { c, side } = await visibleComplaint(deps, actor, id);
  return { ...(await complaintView(deps, c)), viewerSide: side };
}

/** An attachment, to the parties and the reviewers only. */
export async function complaintAttachmentUseCase(deps: UseCaseDeps, actor: Actor, id: string, attachmentId: string) {
  await visibleComplaint(deps, actor, id);
  const file = await attachmentBytes(deps.db, id, attachmentId);
  if (!file) throw new ImprintError("not_found", `no attachment ${attachmentId}`);
  return file;
}

/** The states a reviewer can still decide. */
export const OPEN_STATUSES = ["submitted", "appealed"] as const satisfies readonly ComplaintStatus[];

export interface ListComplaintsInput {
  side?: "filed" | "received";
  status?: ComplaintStatus | readonly ComplaintStatus[];
  limit: number;
  cursor?: string;
}

/** A seller's complaints, filed or received; the reviewers' queue is every complaint (filter by status). */
export async function listComplaintsUseCase(deps: UseCaseDeps, actor: Actor, input: ListComplaintsInput) {
  const reviewer = can(actor, "review") || can(actor, "operate");
  if (!reviewer) authorize(actor, "ip-centre");
  const before = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
  const rows = await listComplaints(deps.db, {
    side: reviewer && !input.side ? undefined : { organisationId: actor.organisationId, as: input.side ?? "filed" },
    status: input.status,
    limit: input.limit + 1,
    before,
  });
  const items = await Promise.all(rows.slice(0, input.limit).map((c) => complaintView(deps, c)));
  const last = rows.length > input.limit ? rows[input.limit - 1] : undefined;
  return { items, nextCursor: last ? Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString("base64url") : null };
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\|(cmp_[0-9a-f]{24})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m) throw new ImprintError("invalid_cursor", "the cursor is not one this API issued");
  return { createdAt: new Date(m[1]), id: m[2] };
}

/** The complainant withdraws before a decision. */
export async function withdrawComplaintUseCase(deps: UseCaseDeps, actor: Actor, id: string) {
  const { c, side } = await visibleComplaint(deps, actor, id);
  if (side !== "complainant") throw new ImprintError("forbidden", "only the complainant may withdraw a complaint");
  const told = notices(deps, c, "withdrawn");
  if (!(await transition(deps.db, actor, c.id, { from: ["submitted", "appealed"], to: "withdrawn", event: "withdrawn" }, told.alongWith))) {
    throw new ImprintError("invalid_transition", `the complaint is ${(await getComplaint(deps.db, id))!.status}: it can no longer be withdrawn`);
  }
  told.wake();
  return getComplaintUseCase(deps, actor, id);
}

export interface AppealInput {
  statement: string;
  /** The appellant's own registrations; none: the service finds those that match the listing's image. */
  originalIds: string[];
  attachments: UploadedFile[];
}

/**
 * The listing's organisation appeals within APPEAL_DAYS. With no originals named, the service finds the
 * appellant's registered originals that match the listing ("one click"); the appeal then says whose registration
 * the chain dates first, with both block times.
 */
export async function appealComplaintUseCase(deps: UseCaseDeps, actor: Actor, id: string, input: AppealInput) {
  const { c, side } = await visibleComplaint(deps, actor, id);
  if (side !== "respondent") throw new ImprintError("forbidden", "only the listing's organisation may appeal");
  if (c.status !== "submitted") throw new ImprintError("invalid_transition", `the complaint is ${c.status}: it cannot be appealed`);
  const deadline = c.createdAt.getTime() + deps.config.APPEAL_DAYS * 86_400_000;
  if (Date.now() > deadline) throw new ImprintError("appeal_window_closed", `appeals close ${deps.config.APPEAL_DAYS} days after filing (${new Date(deadline).toISOString()})`);
  const attachments = await checkAttachments(input.attachments);
  const listing = await getListing(deps.db, c.listingId);
  if (!listing) throw new ImprintError("not_found", `the listing ${c.listingId} no longer exists`);

  const foundByService = input.originalIds.length === 0;
  const originals = foundByService ? await matchingOriginalsOf(deps, actor, listing.imageId) : await ownOriginals(deps, actor, [...new Set(input.originalIds)]);
  const appellantMatches = (await matchOriginals(deps, listing.imageId, originals)).map((m) => m.match).filter((m) => !foundByService || m.similarity >= MIN_MATCH);
  // Chain time as it is now, for both sides: an original anchored since filing counts.
  const complainantEvidence = await Promise.all((c.originalIds as string[]).map(async (o) => ({ evidence: await evidenceStateOf(deps, o) })));
  const appellantEarliest = earliestBlock(appellantMatches);
  const complainantEarliest = earliestBlock(complainantEvidence);
  const appeal: Appeal = {
    statement: input.statement,
    originalIds: appellantMatches.map((m) => m.originalId),
    foundByService,
    priority: appellantEarliest !== null && (complainantEarliest === null || appellantEarliest < complainantEarliest) ? "appellant-earlier" : "complainant-earlier",
    appellant: { earliestBlockTimestamp: appellantEarliest, originals: appellantMatches },
    complainant: { earliestBlockTimestamp: complainantEarliest },
  };
  const told = notices(deps, c, "appealed");
  if (!(await transition(deps.db, actor, c.id, { from: ["submitted"], to: "appealed", event: "appealed", set: { appeal }, attachments }, told.alongWith))) {
    throw new ImprintError("invalid_transition", "the complaint changed while the appeal was being filed: reload it");
  }
  told.wake();
  return getComplaintUseCase(deps, actor, id);
}

/** The appellant's registered originals whose images the search index finds in the listing's image. */
async function matchingOriginalsOf(deps: UseCaseDeps, actor: Actor, listingImageId: string): Promise<OriginalView[]> {
  const { library } = deps;
  if (!library) throw new ImprintError("search_unavailable", "the search index is not running in this process");
  if (!(await library.whenLoaded(INDEX_WAIT_MS))) throw new ImprintError("index_loading", "the search index is still loading; retry shortly", { retryAfterS: 10 });
  const own = await originalIdsByImage(deps.db, actor.organisationId);
  const features = (await featureLoader(deps.db)([listingImageId])).get(listingImageId);
  if (!features || own.size === 0) return [];
  const hits = await library.matcher.rank(features, (imageId) => own.has(imageId));
  return ownOriginals(
    deps,
    actor,
    hits.filter((h) => h.similarity >= MIN_MATCH).map((h) => own.get(h.id)!),
  );
}

/** A reviewer decides; an upheld complaint delists the listing, with the complaint as the recorded reason. */
export async function decideComplaintUseCase(deps: UseCaseDeps, actor: Actor, id: string, decision: { outcome: "upheld" | "rejected"; reason: string }) {
  authorize(actor, "review");
  const c = await getComplaint(deps.db, id);
  if (!c) throw new ImprintError("not_found", `no complaint ${id}`);
  const told = notices(deps, c, decision.outcome, decision.reason);
  const decided = await transition(deps.db, actor, id, {
    from: ["submitted", "appealed"],
    to: decision.outcome,
    event: decision.outcome,
    note: decision.reason,
    set: { decisionReason: decision.reason, decidedAt: new Date() },
  }, told.alongWith);
  if (!decided) throw new ImprintError("invalid_transition", `the complaint is ${(await getComplaint(deps.db, id))!.status}: it cannot be decided`);
  told.wake();
  if (decision.outcome === "upheld") await delistListing(deps.db, c.listingId, new Date(), c.id);
  return getComplaintUseCase(deps, actor, id);
}

/** Counts per state and the time from submission to decision (operator and reviewers). */
export async function complaintStatsUseCase(deps: UseCaseDeps, actor: Actor) {
  authorize(actor, "operate", "review");
  return complaintStats(deps.db);
}
