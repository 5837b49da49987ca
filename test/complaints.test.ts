import { readFileSync } from "node:fs";
import path from "node:path";
import { PDFDocument, PDFName, PDFString, StandardFonts } from "pdf-lib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkPdfAttachment } from "../src/complaints/pdf-attachment";
import { engines } from "./helpers/databases";
import { inkedShare, pdfAttachments, pdfText, renderPages } from "./helpers/pdf";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";
import { signedWith, startWebhookReceiver, type ReceivedEvent } from "./helpers/webhook-receiver";

const SECRET = "whsec_complaints_0123456789";

async function plainPdf(text = "Certificate of copyright registration"): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]).drawText(text, { x: 50, y: 780, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await doc.save());
}

async function pdfWithJavaScript(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.addPage();
  doc.catalog.set(PDFName.of("OpenAction"), doc.context.obj({ S: "JavaScript", JS: PDFString.of("app.alert('hi')") }));
  // Saved with object streams, so the script sits inside a compressed stream, not in plain text.
  return Buffer.from(await doc.save({ useObjectStreams: true }));
}

const encryptedPdf = () => readFileSync(path.join(__dirname, "fixtures/pdf/encrypted.pdf"));

describe("complaint attachments", () => {
  it("accepts a real PDF and refuses non-PDFs, encrypted PDFs and PDFs with JavaScript, each with its own code", async () => {
    const ok = await checkPdfAttachment("cert.pdf", await plainPdf());
    expect(ok).toMatchObject({ filename: "cert.pdf", pages: 1, sha256: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    const refusal = (bytes: Buffer) => checkPdfAttachment("x.pdf", bytes).then(() => "accepted", (e: { code: string }) => e.code);
    expect(await refusal(Buffer.from("%PDF-1.7\nnot really a pdf"))).toBe("attachment_not_pdf");
    expect(await refusal(Buffer.from("hello"))).toBe("attachment_not_pdf");
    expect(await refusal(fixture("building.jpg"))).toBe("attachment_not_pdf");
    expect(await refusal(encryptedPdf())).toBe("attachment_encrypted");
    expect(await refusal(await pdfWithJavaScript())).toBe("attachment_has_javascript");
    expect(await refusal(Buffer.concat([await plainPdf(), Buffer.alloc(10 * 1024 * 1024)]))).toBe("attachment_too_large");
  });
});

describe.each(engines)("complaint → appeal → decision over HTTP on %s", (engine) => {
  let svc: TestService;
  let brand: { apiKey: string; accountId: string };
  let copier: { apiKey: string; accountId: string };
  let reviewer: { apiKey: string };
  let brandOriginal: string;
  let listingId: string;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  /** Complaint events delivered to one party's webhook (watch alerts go there too). */
  const complaintEvents = (party: "/brand" | "/copier", type?: string) => (e: ReceivedEvent) =>
    e.path === party && e.event.type.startsWith("complaint.") && (type === undefined || e.event.type === type);

  const form = (fields: Record<string, string | string[]>, files: [string, Buffer][] = []) => {
    const f = new FormData();
    for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) f.append(k, one);
    for (const [name, bytes] of files) f.append("attachments", new Blob([new Uint8Array(bytes)], { type: "application/pdf" }), name);
    return f;
  };
  const post = (p: string, key: string, body: FormData | object) =>
    svc.request(p, body instanceof FormData ? { method: "POST", key, body } : { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    svc = await startTestService(engine, { JOB_POLL_MS: "100", FETCH_ALLOW_PRIVATE: "true", FETCH_ALLOWED_PORTS: `80,443,${receiver.port}` });
    brand = await svc.newSeller("Brand");
    copier = await svc.newSeller("Copier");
    for (const [seller, path] of [[brand, "/brand"], [copier, "/copier"]] as const) {
      const hook = await svc.request("/v1/webhook", { method: "PUT", key: seller.apiKey, headers: { "content-type": "application/json" }, body: JSON.stringify({ url: receiver.url(path), secret: SECRET }) });
      expect(hook.status).toBe(200);
    }
    const res = await post("/v1/admin/reviewers", ADMIN_KEY, { name: "Reviewer" });
    expect(res.status).toBe(201);
    reviewer = await res.json();
    const reg = await post("/v1/originals", brand.apiKey, imageForm(fixture("building.jpg"), { productId: "BRAND-1", category: "c", storeCountry: "DE" }));
    brandOriginal = (await reg.json()).id;
    await post("/v1/admin/anchor", ADMIN_KEY, {});
    const copy = await sharp(fixture("building.jpg")).rotate(5, { background: "#fff" }).resize(700).jpeg({ quality: 70 }).toBuffer();
    const listing = await post("/v1/listings", copier.apiKey, imageForm(copy, { productId: "CHEAP-1", storeId: "s1", storeCountry: "CN", category: "c" }));
    expect(listing.status).toBe(201);
    listingId = (await listing.json()).id;
  });
  afterAll(async () => {
    await svc?.stop();
    await receiver?.close();
  });

  it("files a complaint with a PDF, recording the match and the evidence state; both parties and reviewers read it, nobody else", async () => {
    const cert = await plainPdf();
    const res = await post("/v1/complaints", brand.apiKey, form({ listingId, originalIds: brandOriginal, statement: "This listing uses our photo, registered before it was listed." }, [["cert.pdf", cert]]));
    expect(res.status).toBe(201);
    const c = await res.json();
    expect(c).toMatchObject({ status: "submitted", complainantId: brand.accountId, respondentId: copier.accountId, listing: { id: listingId, productId: "CHEAP-1" } });
    expect(c.originals).toEqual([
      expect.objectContaining({ originalId: brandOriginal, similarity: expect.any(Number), inliers: expect.any(Number), evidence: expect.objectContaining({ status: "anchored", blockTimestamp: expect.any(Number) }) }),
    ]);
    expect(c.originals[0].similarity).toBeGreaterThanOrEqual(85);
    // The cited original's image, for the two pictures side by side (its thumbnail, like the listing's).
    expect(c.originals[0].imageId).toMatch(/^img_/);
    expect((await svc.request(`/v1/images/${c.originals[0].imageId}/thumbnail`)).status).toBe(200);
    expect(c.timeline).toEqual([expect.objectContaining({ kind: "filed", organisationId: brand.accountId, at: expect.stringMatching(/Z$/) })]);
    expect(c.attachments).toEqual([expect.objectContaining({ filename: "cert.pdf", side: "complaint", pages: 1 })]);

    const attachmentPath = new URL(c.attachments[0].url).pathname;
    for (const key of [brand.apiKey, copier.apiKey, reviewer.apiKey]) {
      const file = await svc.request(attachmentPath, { key });
      expect(file.status).toBe(200);
      expect(Buffer.from(await file.arrayBuffer()).equals(cert)).toBe(true);
    }
    const outsider = await svc.newSeller("Outsider");
    expect((await svc.request(attachmentPath, { key: outsider.apiKey })).status).toBe(404);
    expect((await svc.request(`/v1/complaints/${c.id}`, { key: outsider.apiKey })).status).toBe(404);

    const filed = await (await svc.request("/v1/complaints?side=filed", { key: brand.apiKey })).json();
    const received = await (await svc.request("/v1/complaints?side=received", { key: copier.apiKey })).json();
    expect(filed.items.map((x: { id: string }) => x.id)).toEqual([c.id]);
    expect(received.items.map((x: { id: string }) => x.id)).toEqual([c.id]);
    expect((await (await svc.request("/v1/complaints?side=filed", { key: copier.apiKey })).json()).items).toEqual([]);
  });

  it("tells the listing's organisation by an alert of kind complaint and by a signed webhook event", async () => {
    const [c] = (await (await svc.request("/v1/complaints?side=received", { key: copier.apiKey })).json()).items;
    const alerts = (await (await svc.request("/v1/alerts", { key: copier.apiKey })).json()).items.filter((a: { kind: string }) => a.kind === "complaint");
    expect(alerts).toEqual([
      {
        id: expect.stringMatching(/^alr_[0-9a-f]{24}$/),
        createdAt: expect.stringMatching(/Z$/),
        kind: "complaint",
        complaint: { id: c.id, complainantId: brand.accountId, url: expect.stringMatching(new RegExp(`/v1/complaints/${c.id}$`)) },
        listing: { id: listingId, productId: "CHEAP-1", storeId: "s1", storeCountry: "CN", listedAt: c.listing.listedAt, thumbnailUrl: c.listing.thumbnailUrl },
        similarity: Math.max(...c.originals.map((o: { similarity: number }) => o.similarity)),
        status: "new",
      },
    ]);
    // The complainant is not alerted of its own complaint; its match alerts are of kind match.
    const brandAlerts = (await (await svc.request("/v1/alerts", { key: brand.apiKey })).json()).items;
    expect(brandAlerts.every((a: { kind: string }) => a.kind === "match")).toBe(true);
    // A complaint alert is acknowledged like any other.
    const patched = await svc.request(`/v1/alerts/${alerts[0].id}`, { method: "PATCH", key: copier.apiKey, headers: { "content-type": "application/json" }, body: '{"status":"acknowledged"}' });
    expect({ status: patched.status, body: await patched.json() }).toEqual({ status: 200, body: { ...alerts[0], status: "acknowledged" } });

    const [filed] = await receiver.until(complaintEvents("/copier", "complaint.filed"));
    expect(signedWith(SECRET, filed)).toBe(true);
    expect(filed.headers["imprint-event-id"]).toBe(filed.event.id);
    expect(filed.event.data).toMatchObject({
      complaint: { id: c.id, status: "submitted", complainantId: brand.accountId, respondentId: copier.accountId, listingId, url: alerts[0].complaint.url },
      step: { kind: "filed", at: expect.any(String) },
      alert: { ...alerts[0], status: "new" },
    });
    expect(receiver.received.filter(complaintEvents("/brand"))).toEqual([]);
  });

  it("refuses bad filings with clear codes", async () => {
    const third = await svc.newSeller("Third");
    const cases: [FormData, string, number, string][] = [
      [form({ listingId, originalIds: brandOriginal, statement: "x" }, [["e.pdf", encryptedPdf()]]), brand.apiKey, 422, "attachment_encrypted"],
      [form({ listingId, originalIds: brandOriginal, statement: "x" }, [["js.pdf", await pdfWithJavaScript()]]), brand.apiKey, 422, "attachment_has_javascript"],
      [form({ listingId, originalIds: brandOriginal, statement: "x" }, [["a.pdf", fixture("building.jpg")]]), brand.apiKey, 415, "attachment_not_pdf"],
      [form({ listingId, originalIds: brandOriginal, statement: "x" }, Array.from({ length: 6 }, (_, i): [string, Buffer] => [`${i}.pdf`, Buffer.from("%PDF-1.4")])), brand.apiKey, 400, "too_many_attachments"],
      [form({ listingId, originalIds: brandOriginal, statement: "x".repeat(5001) }), brand.apiKey, 400, "invalid_request"],
      [form({ listingId, statement: "no original cited" }), brand.apiKey, 400, "invalid_request"],
      [form({ listingId, originalIds: "reg_000000000000000000000000", statement: "x" }), brand.apiKey, 404, "not_found"],
      [form({ listingId, originalIds: brandOriginal, statement: "x" }), third.apiKey, 404, "not_found"], // someone else's original
      [form({ listingId, originalIds: brandOriginal, statement: "x" }), copier.apiKey, 422, "own_listing"],
      [form({ listingId: "lst_nope", originalIds: brandOriginal, statement: "x" }), brand.apiKey, 404, "not_found"],
      // The first test's complaint against this listing is still open: a reviewer would decide the same case twice.
      [form({ listingId, originalIds: brandOriginal, statement: "again" }), brand.apiKey, 409, "complaint_open"],
    ];
    for (const [body, key, status, code] of cases) {
      const res = await post("/v1/complaints", key, body);
      expect({ status: res.status, code: (await res.json()).error?.code }).toEqual({ status, code });
    }
    // Nothing half-written: only the first test's complaint exists, with its one alert and event.
    expect((await (await svc.request("/v1/complaints?side=filed", { key: brand.apiKey })).json()).items).toHaveLength(1);
    const copierAlerts = (await (await svc.request("/v1/alerts", { key: copier.apiKey })).json()).items;
    expect(copierAlerts.filter((a: { kind: string }) => a.kind === "complaint")).toHaveLength(1);
    expect(receiver.received.filter(complaintEvents("/copier"))).toHaveLength(1);
  });

  it("the listing's organisation appeals in one click: the service finds its later registration and says the complainant's is earlier", async () => {
    // The copier registers the same photo too, but after the brand's was anchored: the chain dates the brand first.
    await post("/v1/originals", copier.apiKey, imageForm(fixture("building.jpg"), { productId: "MINE", category: "c", storeCountry: "CN" }));
    await post("/v1/admin/anchor", ADMIN_KEY, {});
    const [c] = (await (await svc.request("/v1/complaints?side=received", { key: copier.apiKey })).json()).items;
    expect((await post(`/v1/complaints/${c.id}/appeal`, brand.apiKey, form({ statement: "x" }))).status).toBe(403); // not the listing's side
    const res = await post(`/v1/complaints/${c.id}/appeal`, copier.apiKey, form({ statement: "We own this photo." }));
    expect(res.status).toBe(200);
    const appealed = await res.json();
    expect(appealed.status).toBe("appealed");
    expect(appealed.appeal).toMatchObject({ foundByService: true, priority: "complainant-earlier" });
    expect(appealed.appeal.appellant.originals).toEqual([expect.objectContaining({ productId: "MINE", evidence: expect.objectContaining({ status: "anchored" }) })]);
    expect(appealed.appeal.appellant.earliestBlockTimestamp).toBeGreaterThanOrEqual(appealed.appeal.complainant.earliestBlockTimestamp);
    expect(appealed.timeline.map((e: { kind: string }) => e.kind)).toEqual(["filed", "appealed"]);
    expect((await post(`/v1/complaints/${c.id}/appeal`, copier.apiKey, form({ statement: "again" }))).status).toBe(409);
    // The complainant hears of the appeal by webhook.
    const [event] = await receiver.until(complaintEvents("/brand", "complaint.appealed"));
    expect(signedWith(SECRET, event)).toBe(true);
    expect(event.event.data).toMatchObject({ complaint: { id: c.id, status: "appealed" }, step: { kind: "appealed" } });
    expect(event.event.data.alert).toBeUndefined();
  });

  it("a reviewer decides: upheld delists the listing with the complaint as the reason; it shows on both sides; stats count it", async () => {
    const [c] = (await (await svc.request("/v1/complaints?status=appealed", { key: reviewer.apiKey })).json()).items;
    expect((await post(`/v1/complaints/${c.id}/decision`, brand.apiKey, { outcome: "upheld", reason: "mine" })).status).toBe(403);
    const res = await post(`/v1/complaints/${c.id}/decision`, reviewer.apiKey, { outcome: "upheld", reason: "The complainant's registration is anchored first." });
    expect(res.status).toBe(200);
    expect((await post(`/v1/complaints/${c.id}/decision`, reviewer.apiKey, { outcome: "rejected", reason: "changed my mind" })).status).toBe(409);
    expect((await post(`/v1/complaints/${c.id}/withdraw`, brand.apiKey, {})).status).toBe(409);
    for (const key of [brand.apiKey, copier.apiKey]) {
      const seen = await (await svc.request(`/v1/complaints/${c.id}`, { key })).json();
      expect(seen).toMatchObject({ status: "upheld", decision: { outcome: "upheld", reason: "The complainant's registration is anchored first." } });
      expect(seen.timeline.map((e: { kind: string }) => e.kind)).toEqual(["filed", "appealed", "upheld"]);
    }
    const listing = await (await svc.request(`/v1/listings/${listingId}`, { key: copier.apiKey })).json();
    expect(listing.delistedAt).not.toBeNull();
    // Nothing is left to take down: a new complaint against it is refused, by anyone.
    const third = await svc.newSeller("Third party");
    for (const key of [brand.apiKey, third.apiKey]) {
      const again = await post("/v1/complaints", key, form({ listingId, originalIds: brandOriginal, statement: "again" }));
      expect({ status: again.status, code: (await again.json()).error?.code }).toEqual(key === brand.apiKey ? { status: 409, code: "listing_delisted" } : { status: 404, code: "not_found" });
    }
    // Both parties hear of the decision, each by its own event.
    const decided = [
      ...(await receiver.until(complaintEvents("/brand", "complaint.decided"))),
      ...(await receiver.until(complaintEvents("/copier", "complaint.decided"))),
    ];
    expect(decided).toHaveLength(2);
    for (const e of decided) {
      expect(signedWith(SECRET, e)).toBe(true);
      expect(e.event.data).toMatchObject({ complaint: { id: c.id, status: "upheld" }, step: { kind: "upheld" }, decision: { outcome: "upheld", reason: "The complainant's registration is anchored first." } });
    }
    expect(decided[0].event.id).not.toBe(decided[1].event.id);
    const stats = await (await svc.request("/v1/admin/complaints/stats", { key: ADMIN_KEY })).json();
    expect(stats).toMatchObject({ counts: { upheld: 1 }, decided: 1, meanSeconds: expect.any(Number), medianSeconds: expect.any(Number) });
  });

  it("the complaint's report PDF holds the attachment and the bundle, which verifies, and every page is inked", async () => {
    const [c] = (await (await svc.request("/v1/complaints?side=filed&status=upheld", { key: brand.apiKey })).json()).items;
    const res = await svc.request(`/v1/complaints/${c.id}/report.pdf`, { key: copier.apiKey });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    const pdf = new Uint8Array(await res.arrayBuffer());
    const attached = await pdfAttachments(pdf);
    const bundleName = [...attached.keys()].find((n) => n.startsWith("evidence-"))!;
    const verdict = await (await svc.request("/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body: new Uint8Array(attached.get(bundleName)!) })).json();
    expect(verdict.ok).toBe(true);
    expect([...attached.keys()].some((n) => n.endsWith("cert.pdf"))).toBe(true);
    for (const page of await renderPages(pdf)) expect(await inkedShare(page)).toBeGreaterThan(0.01);
    const text = await pdfText(pdf);
    expect(text).toContain("CHEAP-1");
    expect(text).toContain(c.id);
    const outsider = await svc.newSeller("Outsider 2");
    expect((await svc.request(`/v1/complaints/${c.id}/report.pdf`, { key: outsider.apiKey })).status).toBe(404);
  });

  it("the complainant may withdraw before a decision", async () => {
    const other = await post("/v1/listings", copier.apiKey, imageForm(await sharp(fixture("building.jpg")).resize(650).toBuffer(), { productId: "CHEAP-2", storeId: "s1", storeCountry: "CN", category: "c" }));
    const filed = await (await post("/v1/complaints", brand.apiKey, form({ listingId: (await other.json()).id, originalIds: brandOriginal, statement: "copy" }))).json();
    const res = await post(`/v1/complaints/${filed.id}/withdraw`, brand.apiKey, {});
    expect((await res.json()).status).toBe("withdrawn");
    const withdrawn = await receiver.until((e) => complaintEvents("/copier", "complaint.withdrawn")(e) && e.event.data.complaint.id === filed.id);
    expect(withdrawn[0].event.data.complaint.status).toBe("withdrawn");
    // Every complaint event was delivered once, under its own id.
    const ids = receiver.received.map((e) => e.event.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
