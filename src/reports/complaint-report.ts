/**
 * The evidence report of a complaint: what a platform reviewer or a court reads. A pure builder over plain
 * data: the complaints feature gathers the complaint, the listing, the cited originals with the match recorded
 * at filing time, the timeline and the attachments, and this turns them into a PDF. Every attachment and every
 * evidence bundle travels inside the PDF, so the report stands on its own.
 */
import { createHash } from "node:crypto";
import type { EvidenceBundle } from "../core/bundle";
import { attachBundle, bundleFileName } from "./bundle-file";
import { LABELS, stateLabel, type Label } from "./labels";
import type { MatchGeometry } from "../matching/geometry";
import { renderMatchPicture } from "./match-picture";
import { similarityMeaning } from "./similarity-meaning";
import { utc } from "./time";
import { COLOURS, ReportWriter } from "./writer";

export interface Party {
  id: string;
  name: string;
}

export type EvidenceState = { status: "anchored"; bundle: EvidenceBundle } | { status: "pending" | "sealed" };

export interface ComplaintOriginal {
  id: string;
  productId: string;
  title?: string | null;
  registeredAt: Date;
  /** The stored picture (thumbnail). */
  image: Buffer;
  evidence: EvidenceState;
  /** The match of this original against the listing's image, as recorded when the complaint was filed. */
  match: {
    similarity: number;
    inliers: number;
    pdqDistance?: number | null;
    /** The inlier geometry; null for a byte-exact or PDQ-only match (no keypoints to draw). */
    geometry: MatchGeometry | null;
  };
}

export interface TimelineEntry {
  at: Date;
  /** Who acted: a member or reviewer with their organisation. */
  actor: string;
  /** What happened, e.g. "submitted", "appealed", "upheld". */
  event: string;
  note?: string | null;
}

export interface ComplaintAttachment {
  name: string;
  mimeType: string;
  bytes: Uint8Array;
  /** Who filed it (complainant or appellant). */
  filedBy: string;
}

export interface ComplaintReportInput {
  complaint: {
    id: string;
    status: string;
    filedAt: Date;
    statement: string;
    complainant: Party;
    respondent: Party;
  };
  listing: {
    id: string;
    productId: string;
    storeId: string;
    storeCountry: string;
    category: string;
    listedAt: Date;
    delistedAt?: Date | null;
    sourceUrl?: string | null;
    sha256: string;
    pdq: string;
    /** The stored picture (thumbnail). */
    image: Buffer;
  };
  originals: ComplaintOriginal[];
  /** The respondent's appeal, when there is one: whose registration the chain dates first, and its bundles. */
  appeal?: {
    statement: string;
    priority: "appellant-earlier" | "complainant-earlier";
    appellantEarliest: Date | null;
    complainantEarliest: Date | null;
    bundles: EvidenceBundle[];
  };
  timeline: TimelineEntry[];
  attachments: ComplaintAttachment[];
  generatedAt: Date;
}

const both = (l: Label) => `${l.en} / ${l.zh}`;

export async function buildComplaintReport(input: ComplaintReportInput): Promise<Uint8Array> {
  const { complaint, listing } = input;
  const w = await ReportWriter.create({ title: `Imprint complaint report ${complaint.id}`, subject: `Complaint ${complaint.id}`, createdAt: input.generatedAt });
  await w.title(LABELS.complaintTitle, `Imprint · ${complaint.id} · ${both(LABELS.generatedAt)}: ${utc(input.generatedAt)}`);

  await w.section(LABELS.complaint);
  await w.field(LABELS.complaintId, complaint.id, { mono: true });
  await w.field(LABELS.status, stateLabel(complaint.status));
  await w.field(LABELS.filedAt, utc(complaint.filedAt));
  await w.field(LABELS.complainant, `${complaint.complainant.name} (${complaint.complainant.id})`);
  await w.field(LABELS.respondent, `${complaint.respondent.name} (${complaint.respondent.id})`);
  await w.field(LABELS.statement, complaint.statement);

  await w.section(LABELS.listing);
  await w.field(LABELS.listingId, listing.id, { mono: true });
  await w.field(LABELS.productId, listing.productId);
  await w.field(LABELS.storeId, `${listing.storeId} · ${listing.storeCountry}`);
  await w.field(LABELS.category, listing.category);
  await w.field(LABELS.listedAt, utc(listing.listedAt));
  if (listing.delistedAt) await w.field(LABELS.delistedAt, utc(listing.delistedAt));
  if (listing.sourceUrl) await w.field(LABELS.sourceUrl, listing.sourceUrl);
  await w.field(LABELS.sha256, listing.sha256, { mono: true });
  await w.field(LABELS.pdq, listing.pdq, { mono: true });

  for (const original of input.originals) await originalSection(w, input, original);

  if (input.appeal) {
    const a = input.appeal;
    const block = (at: Date | null) => (at ? utc(at) : "— (not anchored / 未锚定)");
    await w.section(LABELS.appeal);
    await w.field(LABELS.statement, a.statement);
    await w.field(
      LABELS.priority,
      a.priority === "appellant-earlier"
        ? "The appellant's registration was anchored first / 申诉方的登记先被锚定"
        : "The complainant's registration was anchored first / 投诉方的登记先被锚定",
      { weight: 700 },
    );
    await w.field(LABELS.appellantEarliest, block(a.appellantEarliest));
    await w.field(LABELS.complainantEarliest, block(a.complainantEarliest));
  }

  await w.section(LABELS.timeline);
  for (const entry of [...input.timeline].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    await w.field({ en: utc(entry.at), zh: entry.actor }, entry.note ? `${entry.event} — ${entry.note}` : entry.event);
  }

  await w.section(LABELS.attachments);
  if (input.attachments.length === 0) await w.text("— (none / 无)", { size: 8.5 });
  for (const [i, a] of input.attachments.entries()) {
    const sha256 = "0x" + createHash("sha256").update(a.bytes).digest("hex");
    const name = attachmentName(i, a.name);
    await w.field({ en: name, zh: a.filedBy }, `${a.bytes.length} bytes · ${a.mimeType}\nSHA-256 ${sha256}`);
    await w.attach(a.bytes, name, a.mimeType, `${a.name}, filed by ${a.filedBy}; SHA-256 ${sha256}`, complaint.filedAt);
  }

  const bundles = [...input.originals.flatMap((o) => (o.evidence.status === "anchored" ? [o.evidence.bundle] : [])), ...(input.appeal?.bundles ?? [])];
  await w.section(LABELS.bundles);
  if (bundles.length === 0) await w.text("— (none anchored yet / 尚无已锚定的证据包)", { size: 8.5 });
  for (const bundle of bundles) {
    const name = bundleFileName(bundle.registration.id);
    await w.text(`${name} — npx imprint verify ${name} --rpc <any RPC of chain ${bundle.anchor.chainId}>`, { size: 8.5 });
    await attachBundle(w, bundle, input.generatedAt);
  }
  return w.save(`Imprint complaint report ${complaint.id}`);
}

/** Attachments keep their names, prefixed so two files of the same name stay two files. */
const attachmentName = (index: number, name: string) => `attachment-${index + 1}-${name.replace(/[^\p{L}\p{N}._-]+/gu, "_")}`;

async function originalSection(w: ReportWriter, input: ComplaintReportInput, original: ComplaintOriginal): Promise<void> {
  w.newPage();
  await w.section(LABELS.originalVsCopy);
  const half = (w.contentWidth - 16) / 2;
  const top = w.cursor;
  const used = Math.max(
    await w.picture(original.image, w.left, top, Math.min(half, 220), `${both(LABELS.original)} · ${original.id}`),
    await w.picture(input.listing.image, w.left + half + 16, top, Math.min(half, 220), `${both(LABELS.copy)} · ${input.listing.id}`),
  );
  w.gap(used + 4);

  const { match } = original;
  if (match.geometry) {
    const png = await renderMatchPicture({ query: input.listing.image, original: original.image, geometry: match.geometry, height: 300 });
    const { image, width, height } = await w.embedPicture(png);
    const scale = Math.min(w.contentWidth / width, 230 / height);
    w.ensure(height * scale + 40);
    await w.text(both(LABELS.matchPicture), { size: 9, weight: 700 });
    w.gap(2);
    w.drawImage(image, w.left, width * scale, height * scale);
    w.gap(height * scale + 4);
    await w.text(
      `Left: the listing's image; right: the original. Lines join the ${match.geometry.queryPoints.length} matched keypoints; the dashed outline is where the listing's picture lies in the original. ` +
        `左：商品图片；右：原图。连线连接 ${match.geometry.queryPoints.length} 对匹配特征点；虚线框为商品图片在原图中的位置。`,
      { size: 7.5, colour: COLOURS.MUTED },
    );
  }

  const meaning = similarityMeaning(match.similarity);
  await w.field(LABELS.similarity, `${match.similarity} / 100`, { weight: 700 });
  await w.field(LABELS.meaning, `${meaning.en}\n${meaning.zh}`, { size: 8.5 });
  await w.field(LABELS.inliers, String(match.inliers));
  if (match.pdqDistance !== undefined && match.pdqDistance !== null) await w.field(LABELS.pdqDistance, `${match.pdqDistance} / 256`);

  await w.field(LABELS.registrationId, original.id, { mono: true });
  await w.field(LABELS.productId, original.productId);
  if (original.title) await w.field(LABELS.title, original.title);
  await w.field(LABELS.registeredAt, utc(original.registeredAt));
  const e = original.evidence;
  if (e.status === "anchored") {
    const a = e.bundle.anchor;
    await w.field(
      LABELS.evidenceState,
      `anchored / 已锚定 — chain ${a.chainId}, block ${a.blockNumber}, ${utc(new Date(a.blockTimestamp * 1000))}\n` +
        `tx ${a.txHash}\nroot ${e.bundle.merkle.root}\n${bundleFileName(original.id)} (attached / 已附)`,
      { size: 8 },
    );
  } else {
    await w.field(LABELS.evidenceState, `${e.status} — not anchored yet / 尚未锚定`);
  }
}
