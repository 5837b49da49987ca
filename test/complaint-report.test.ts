/**
 * The complaint report builder over realistic data: two originals registered and anchored on a real anvil, a
 * listing that is an edited (cropped, mirrored, recompressed) copy of one, the match found by the matcher and
 * its geometry, a statement in Chinese and English, a timeline and a PDF attachment.
 */
import { createHash } from "node:crypto";
import { PDFDocument, StandardFonts } from "pdf-lib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainFactsReader } from "../src/chain/chain-facts";
import { createProvider } from "../src/chain/provider";
import type { EvidenceBundle } from "../src/core/bundle";
import { extractFeatures } from "../src/matching/features";
import { eq, inArray } from "drizzle-orm";
import { complaints, images } from "../src/db/schema";
import { featureLoader } from "../src/library/images";
import { toPixelGeometry } from "../src/matching/geometry";
import { verifyPair } from "../src/matching/verify-pair";
import { createMemoryMatcher } from "../src/matching/memory-matcher";
import { buildComplaintReport, type ComplaintReportInput } from "../src/reports/complaint-report";
import { verifyEvidence } from "../src/verifier/verify-evidence";
import { inkedShare, pdfAttachments, pdfText, renderPages } from "./helpers/pdf";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";

describe("the complaint report", () => {
  let svc: TestService;
  let owner: { accountId: string; apiKey: string };
  let copier: { accountId: string; apiKey: string };
  let originalIds: string[];
  let input: ComplaintReportInput;
  let pdf: Uint8Array;
  let bundles: EvidenceBundle[];
  /** What GET /v1/originals/:id/evidence served, byte for byte, by registration id. */
  const servedBytes = new Map<string, Buffer>();
  const statement =
    "我方于2026年11月在本平台登记了该商品主图，被投诉商品使用了裁剪并镜像后的同一张照片。" +
    "Our registered product photo was cropped, mirrored and re-used in this listing without permission. ".repeat(3);

  beforeAll(async () => {
    svc = await startTestService("pglite");
    owner = await svc.newSeller("杭州原创摄影工作室 Original Studio");
    copier = await svc.newSeller("Copy Shop 仿品店");
    const building = fixture("building.jpg");
    const aloe = fixture("aloe.webp");
    const ids: string[] = [];
    for (const [bytes, productId] of [[building, "BLD-01"], [aloe, "ALOE-7"]] as const) {
      const res = await svc.request("/v1/originals", { method: "POST", key: owner.apiKey, body: imageForm(bytes, { productId, category: "posters", storeCountry: "CN", title: `原创海报 ${productId}` }) });
      ids.push((await res.json()).id);
    }
    originalIds = ids;
    await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY });
    for (const id of ids) servedBytes.set(id, Buffer.from(await (await svc.request(`/v1/originals/${id}/evidence`, { key: owner.apiKey })).arrayBuffer()));
    bundles = ids.map((id) => JSON.parse(servedBytes.get(id)!.toString("utf8")));

    const copy = await sharp(building).extract({ left: 140, top: 50, width: 560, height: 440 }).flop().resize(480).jpeg({ quality: 70 }).toBuffer();
    const listingRes = await svc.request("/v1/listings", {
      method: "POST",
      key: copier.apiKey,
      body: imageForm(copy, { productId: "仿-BLD-99", storeId: "store-88", storeCountry: "CN", category: "posters", listedAt: "2026-11-28T08:00:00Z" }),
    });
    expect(listingRes.status).toBe(201);
    const listing = await listingRes.json();

    // The match as the matcher's own verification finds it.
    const matcher = createMemoryMatcher();
    const originalFeatures = await extractFeatures(building);
    matcher.add(ids[0], originalFeatures);
    matcher.add(ids[1], await extractFeatures(aloe));
    const query = await extractFeatures(copy, { mirrored: true });
    const [hit] = await matcher.search(query, { threshold: 85 });
    expect(hit).toMatchObject({ id: ids[0], mirrored: true });
    const meta = async (b: Buffer) => { const m = await sharp(b).metadata(); return { width: m.width!, height: m.height! }; };
    const geometry = toPixelGeometry(hit.geometry!, await meta(copy), await meta(building));
    expect(geometry.queryPoints.length).toBe(hit.inliers);

    const thumbnail = async (imageUrl: string) => Buffer.from(await (await svc.request(new URL(imageUrl).pathname)).arrayBuffer());
    const certificatePdf = await PDFDocument.create();
    const page = certificatePdf.addPage();
    page.drawText("Copyright registration certificate No. 2026-SH-001234", { font: await certificatePdf.embedFont(StandardFonts.Helvetica), x: 50, y: 700, size: 14 });
    const filedAt = new Date("2026-11-30T09:15:00.000Z");
    input = {
      complaint: {
        id: "cmp_5f2a9c3e1d7b4a6f8e0c2b1a",
        status: "submitted",
        filedAt,
        statement,
        complainant: { id: owner.accountId, name: "杭州原创摄影工作室 Original Studio" },
        respondent: { id: copier.accountId, name: "Copy Shop 仿品店" },
      },
      listing: {
        id: listing.id,
        productId: listing.productId,
        storeId: listing.storeId,
        storeCountry: listing.storeCountry,
        category: listing.category,
        listedAt: new Date(listing.listedAt),
        sha256: listing.sha256,
        pdq: listing.pdq,
        image: await thumbnail(listing.thumbnailUrl),
      },
      originals: [
        {
          id: ids[0],
          productId: "BLD-01",
          title: "原创海报 BLD-01",
          registeredAt: new Date(bundles[0].registration.registeredAt),
          image: await thumbnail((await (await svc.request(`/v1/originals/${ids[0]}`, { key: owner.apiKey })).json()).thumbnailUrl),
          evidence: { status: "anchored", bundle: bundles[0] },
          match: { similarity: hit.similarity, inliers: hit.inliers, pdqDistance: hit.pdqDistance ?? null, geometry },
        },
        {
          id: ids[1],
          productId: "ALOE-7",
          registeredAt: new Date(bundles[1].registration.registeredAt),
          image: aloe,
          evidence: { status: "anchored", bundle: bundles[1] },
          match: { similarity: 0, inliers: 0, geometry: null },
        },
      ],
      timeline: [
        { at: filedAt, actor: "王芳 (ip-manager, Original Studio)", event: "submitted", note: "附版权登记证书" },
        { at: new Date("2026-11-30T09:15:02.120Z"), actor: "Imprint", event: "respondent notified by alert and webhook" },
      ],
      attachments: [{ name: "版权登记证书.pdf", mimeType: "application/pdf", bytes: await certificatePdf.save(), filedBy: "complainant / 投诉方" }],
      generatedAt: new Date("2026-11-30T10:00:00.000Z"),
    };
    pdf = await buildComplaintReport(input);
  });
  afterAll(() => svc?.stop());

  it("carries every bundle, which verifies on the chain, and every attachment byte for byte", async () => {
    const attachments = await pdfAttachments(pdf);
    expect([...attachments.keys()].sort()).toEqual(
      [`evidence-${bundles[0].registration.id}.json`, `evidence-${bundles[1].registration.id}.json`, "attachment-1-版权登记证书.pdf"].sort(),
    );
    expect(new Uint8Array(attachments.get("attachment-1-版权登记证书.pdf")!)).toEqual(input.attachments[0].bytes);
    const provider = createProvider(svc.deps.chain.publicRpcUrl!, { chainId: 31337 });
    try {
      for (const bundle of bundles) {
        const file = attachments.get(`evidence-${bundle.registration.id}.json`)!;
        expect(file.equals(servedBytes.get(bundle.registration.id)!)).toBe(true);
        const extracted = JSON.parse(file.toString("utf8"));
        expect(extracted).toEqual(bundle);
        const verdict = await verifyEvidence(extracted, { readChainFacts: chainFactsReader(provider) });
        expect(verdict.checks.filter((c) => !c.ok)).toEqual([]);
      }
    } finally {
      provider.destroy();
    }
  });

  it("renders every page with ink on it", async () => {
    const pages = await renderPages(pdf);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const page of pages) expect(await inkedShare(page)).toBeGreaterThan(0.01);
  });

  it("prints the labels in both languages, the user's text, the hashes and what the similarity means", async () => {
    const text = (await pdfText(pdf)).replace(/\s+/g, " ");
    const sha = "0x" + createHash("sha256").update(input.attachments[0].bytes).digest("hex");
    const match = input.originals[0].match;
    for (const expected of [
      "Copyright complaint: evidence report", "版权投诉证据报告", "Match picture", "匹配图", "Timeline", "时间线", "Similarity", "相似度",
      "我方于2026年11月在本平台登记了该商品主图", "杭州原创摄影工作室 Original Studio", "仿-BLD-99", "附版权登记证书",
      input.listing.sha256, input.listing.pdq, sha, bundles[0].merkle.root, bundles[1].anchor.txHash,
      `${match.similarity} / 100`, `${match.inliers} matched keypoints`,
      match.similarity >= 92 ? "at or above 92" : "between 85 and 92",
      "2026-11-30 09:15:00.000 UTC",
    ]) {
      expect(text, expected).toContain(expected);
    }
  });

  it("is served at GET /v1/complaints/:id/report.pdf to both parties and nobody else, from what the complaint recorded", async () => {
    // A plain crop this time: stored features have no mirror view, so the filed match is geometric.
    const crop = await sharp(fixture("building.jpg")).extract({ left: 100, top: 80, width: 600, height: 450 }).jpeg({ quality: 80 }).toBuffer();
    const listing = await (
      await svc.request("/v1/listings", { method: "POST", key: copier.apiKey, body: imageForm(crop, { productId: "仿-BLD-100", storeId: "store-88", storeCountry: "CN", category: "posters" }) })
    ).json();
    const form = new FormData();
    form.set("listingId", listing.id);
    form.append("originalIds", originalIds[0]);
    form.append("originalIds", originalIds[1]);
    form.set("statement", "该商品图片裁剪自我方登记的原图。The listing crops our registered photo.");
    form.append("attachments", new Blob([input.attachments[0].bytes as Uint8Array<ArrayBuffer>], { type: "application/pdf" }), "版权登记证书.pdf");
    const filed = await svc.request("/v1/complaints", { method: "POST", key: owner.apiKey, body: form });
    expect(filed.status).toBe(201);
    const complaint = await filed.json();

    // The complaint recorded the matcher's own verification of the stored features, restated in pixels.
    const imageIdOf = (url: string) => new URL(url).pathname.split("/")[3];
    const listingImage = imageIdOf(listing.thumbnailUrl);
    const originalImage = imageIdOf((await (await svc.request(`/v1/originals/${originalIds[0]}`, { key: owner.apiKey })).json()).thumbnailUrl);
    const features = await featureLoader(svc.deps.db)([listingImage, originalImage]);
    const verified = verifyPair(features.get(listingImage)!, features.get(originalImage)!);
    const sizes = await svc.deps.db.select({ id: images.id, width: images.width, height: images.height }).from(images).where(inArray(images.id, [listingImage, originalImage]));
    const size = (id: string) => {
      const { width, height } = sizes.find((s) => s.id === id)!;
      return { width, height };
    };
    const [row] = await svc.deps.db.select({ geometry: complaints.matchGeometry }).from(complaints).where(eq(complaints.id, complaint.id));
    expect(row.geometry).toHaveLength(2);
    expect(row.geometry![0]).toEqual(toPixelGeometry(verified.geometry!, size(listingImage), size(originalImage)));
    expect(row.geometry![0]!.queryPoints.length).toBe(complaint.originals[0].inliers);
    expect(complaint.originals[0].geometry).toBeUndefined(); // kept for the report, not part of the complaint's answer

    const outsider = await svc.newSeller("Bystander");
    expect((await svc.request(`/v1/complaints/${complaint.id}/report.pdf`, { key: outsider.apiKey })).status).toBe(404);
    expect((await svc.request(`/v1/complaints/${complaint.id}/report.pdf`, { key: copier.apiKey })).status).toBe(200);
    const res = await svc.request(`/v1/complaints/${complaint.id}/report.pdf`, { key: owner.apiKey });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    const report = new Uint8Array(await res.arrayBuffer());

    const attachments = await pdfAttachments(report);
    expect(new Uint8Array(attachments.get("attachment-1-版权登记证书.pdf")!)).toEqual(input.attachments[0].bytes);
    const provider = createProvider(svc.deps.chain.publicRpcUrl!, { chainId: 31337 });
    try {
      for (const bundle of bundles) {
        const file = attachments.get(`evidence-${bundle.registration.id}.json`)!;
        expect(file.equals(servedBytes.get(bundle.registration.id)!)).toBe(true);
        const extracted = JSON.parse(file.toString("utf8"));
        expect((await verifyEvidence(extracted, { readChainFacts: chainFactsReader(provider) })).ok).toBe(true);
      }
    } finally {
      provider.destroy();
    }
    for (const page of await renderPages(report)) expect(await inkedShare(page)).toBeGreaterThan(0.01);
    const text = (await pdfText(report)).replace(/\s+/g, " ");
    const recorded = complaint.originals.find((o: { originalId: string }) => o.originalId === originalIds[0]);
    expect(recorded.inliers).toBeGreaterThanOrEqual(16);
    for (const expected of [complaint.id, "submitted / 已提交", "Match picture", `Lines join the ${recorded.inliers} matched keypoints`, "该商品图片裁剪自我方登记的原图", `${recorded.inliers} matched keypoints`, `${recorded.similarity} / 100`, "Copy Shop 仿品店", "filed"]) {
      expect(text, expected).toContain(expected);
    }
  });
});
