/**
 * The evidence report of a complaint, for the same people who may read the complaint: both parties and the
 * reviewers (anyone else: 404). It gathers what the complaint recorded at filing time and what the store holds
 * (pictures, bundles, timeline, attachments) into the plain input of the report builder.
 */
import type { Actor } from "../accounts/actor";
import { accountName } from "../accounts/accounts";
import { attachmentBytes, getComplaint } from "../complaints/store";
import { ImprintError } from "../core/errors";
import { evidenceOf } from "../ledger/evidence";
import { getOriginal } from "../ledger/originals";
import { thumbnailOf } from "../library/images";
import { getListing } from "../library/listings";
import { buildComplaintReport, type ComplaintOriginal, type EvidenceState } from "../reports/complaint-report";
import { getComplaintUseCase } from "./complaints";
import type { UseCaseDeps } from "./context";

export async function complaintReportUseCase(deps: UseCaseDeps, actor: Actor, id: string, now = new Date()): Promise<{ pdf: Uint8Array; fileName: string }> {
  const { db } = deps;
  const complaint = await getComplaintUseCase(deps, actor, id);
  const listing = await getListing(db, complaint.listing.id);
  if (!listing) throw new ImprintError("not_found", `the listing of complaint ${id} has been purged; its report can no longer show it`);
  const listingImage = await storedThumbnail(deps, listing.imageId);
  const names = new Map<string, string>();
  const nameOf = async (organisationId: string) => {
    if (!names.has(organisationId)) names.set(organisationId, (await accountName(db, organisationId)) ?? organisationId);
    return names.get(organisationId)!;
  };

  const originals = await Promise.all(complaint.originals.map((m) => getOriginal(db, m.originalId)));
  // The matcher's geometry as recorded at filing time (none for complaints filed before it was kept).
  const geometries = (await getComplaint(db, id))!.matchGeometry;
  const cited: ComplaintOriginal[] = [];
  for (const [i, m] of complaint.originals.entries()) {
    const o = originals[i];
    if (!o) continue; // a registration is never deleted; nothing to show if it were
    cited.push({
      id: o.id,
      productId: o.productId,
      title: o.title,
      registeredAt: new Date(o.registeredAt),
      image: await storedThumbnail(deps, o.imageId),
      evidence: await evidenceStateOf(deps, o.id),
      match: { similarity: m.similarity, inliers: m.inliers, pdqDistance: m.pdqDistance, geometry: geometries?.[i] ?? null },
    });
  }

  const attachments = await Promise.all(
    complaint.attachments.map(async (a) => ({
      name: a.filename,
      mimeType: "application/pdf",
      bytes: new Uint8Array((await attachmentBytes(db, id, a.id))!.bytes),
      filedBy: a.side === "complaint" ? "complainant / 投诉方" : "appellant / 申诉方",
    })),
  );
  const timeline = await Promise.all(
    complaint.timeline.map(async (e) => ({ at: new Date(e.at), actor: `${e.memberId} (${e.role}, ${await nameOf(e.organisationId)})`, event: e.kind, note: e.note })),
  );
  const appeal = complaint.appeal;
  const appellantBundles = appeal
    ? (await Promise.all(appeal.originalIds.map((oid) => evidenceStateOf(deps, oid)))).flatMap((e) => (e.status === "anchored" ? [e.bundle] : []))
    : [];

  const pdf = await buildComplaintReport({
    complaint: {
      id: complaint.id,
      status: complaint.status,
      filedAt: new Date(complaint.createdAt),
      statement: complaint.statement,
      complainant: { id: complaint.complainantId, name: await nameOf(complaint.complainantId) },
      respondent: { id: complaint.respondentId, name: await nameOf(complaint.respondentId) },
    },
    listing: { ...listing, listedAt: new Date(listing.listedAt), delistedAt: listing.delistedAt ? new Date(listing.delistedAt) : null, image: listingImage },
    originals: cited,
    appeal: appeal
      ? {
          statement: appeal.statement,
          priority: appeal.priority,
          appellantEarliest: blockTime(appeal.appellant.earliestBlockTimestamp),
          complainantEarliest: blockTime(appeal.complainant.earliestBlockTimestamp),
          bundles: appellantBundles,
        }
      : undefined,
    timeline,
    attachments,
    generatedAt: now,
  });
  return { pdf, fileName: `complaint-${id}.pdf` };
}

const blockTime = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000));

async function storedThumbnail(deps: UseCaseDeps, imageId: string): Promise<Buffer> {
  const thumbnail = await thumbnailOf(deps.db, imageId);
  if (!thumbnail) throw new Error(`invariant violated: image ${imageId} has no thumbnail`);
  return thumbnail;
}

async function evidenceStateOf(deps: UseCaseDeps, originalId: string): Promise<EvidenceState> {
  const evidence = await evidenceOf(deps.db, originalId);
  if (!evidence) throw new Error(`invariant violated: no registration ${originalId}`);
  return evidence.status === "anchored" ? { status: "anchored", bundle: evidence.bundle } : { status: evidence.status };
}
