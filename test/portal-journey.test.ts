import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PDFDocument, StandardFonts } from "pdf-lib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./helpers/axe";
import { launchBrowser, SCREENSHOTS, VIEWPORTS } from "./helpers/browser";
import { listen } from "./helpers/http-server";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";

/** Each step's screenshot at desktop width, kept with the test output (test-output/ is not committed). */
const SHOTS = path.join(SCREENSHOTS, "journey");
const DESKTOP = VIEWPORTS.desktop;

/**
 * The seller journey of issue 12, end to end in one real chromium, every step through the pages. Three people
 * use it, each in their own browser context (their own session cookie): the brand's owner, the owner of a second
 * organisation whose listing copies the brand's photo, and a platform reviewer.
 *
 * Set up through the API because no page does it: the operator creates the two organisations and the reviewer
 * (operator actions have no portal page), and the second organisation's listing (listings come from the
 * marketplace's feed, the API, not a page) and its own later registration of the same photo.
 */
describe("the seller journey in a real browser: register, anchor, search, certify, verify, complain, appeal, decide", () => {
  let svc: TestService;
  let http: { url: string; close(): Promise<void> };
  let browser: Browser;
  let dir: string;
  let brand: { apiKey: string; accountId: string };
  let copier: { apiKey: string; accountId: string };
  let reviewer: { apiKey: string };
  const people = {} as Record<"brand" | "copier" | "reviewer", { context: BrowserContext; page: Page }>;
  let complaintPath: string;

  beforeAll(async () => {
    // The batcher runs as in production, every second: the seller waits for anchoring on the Originals page.
    // The fixtures' third photo is 413×356 px, so the smallest original side is lowered to take it.
    svc = await startTestService("pglite", { ANCHOR_INTERVAL_MS: "1000", MIN_ORIGINAL_SIDE: "300" }, { startBatcher: true });
    http = await listen(svc.app);
    browser = await launchBrowser();
    brand = await svc.newSeller("Brand with a portal");
    copier = await svc.newSeller("Copier shop");
    const added = await svc.request("/v1/admin/reviewers", { method: "POST", key: ADMIN_KEY, headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "Reviewer" }) });
    expect(added.status).toBe(201);
    reviewer = await added.json();
    const copy = await sharp(fixture("building.jpg")).resize(700).jpeg({ quality: 70 }).toBuffer();
    const listing = await svc.request("/v1/listings", { method: "POST", key: copier.apiKey, body: imageForm(copy, { productId: "CHEAP-BUILDING", storeId: "s1", storeCountry: "CN", category: "posters" }) });
    expect(listing.status).toBe(201);

    dir = mkdtempSync(path.join(tmpdir(), "imprint-journey-"));
    const folder = path.join(dir, "catalogue");
    mkdirSync(folder);
    writeFileSync(path.join(folder, "SKU-BUILDING.jpg"), fixture("building.jpg"));
    writeFileSync(path.join(folder, "SKU-ALOE.webp"), fixture("aloe.webp"));
    writeFileSync(path.join(folder, "SKU-SMARTIES.png"), fixture("smarties.png"));
    // The edited copy a seller finds online: cropped, recompressed, a little brighter.
    await sharp(fixture("building.jpg")).extract({ left: 50, top: 30, width: 720, height: 540 }).modulate({ brightness: 1.08 }).jpeg({ quality: 60 }).toFile(path.join(dir, "edited-copy.jpg"));
    const doc = await PDFDocument.create();
    doc.addPage([595, 842]).drawText("Copyright registration of the building photo", { x: 50, y: 780, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
    writeFileSync(path.join(dir, "copyright.pdf"), await doc.save());
    doc.getPages()[0].drawText("Licence to use it (the appellant's)", { x: 50, y: 740, size: 14 });
    writeFileSync(path.join(dir, "licence.pdf"), await doc.save());

    for (const who of ["brand", "copier", "reviewer"] as const) {
      const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
      people[who] = { context, page: await context.newPage() };
    }
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await svc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const PHONE = VIEWPORTS.phone;
  /** The step's screenshot at desktop width; the complaint pages, which no other test shows, at phone width too. */
  async function shot(page: Page, name: string, alsoPhone = false) {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
    if (!alsoPhone) return;
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: path.join(SHOTS, `${name}-phone.png`), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} fits a phone's width`).toBeLessThanOrEqual(PHONE.width);
    await page.setViewportSize(DESKTOP);
  }

  async function signIn(page: Page, key: string, query = "") {
    await page.goto(`${http.url}/sign-in${query}`);
    await page.fill("#key", key);
    await page.click("main button[type=submit]");
    await page.waitForURL((url) => url.pathname !== "/sign-in");
  }

  /** The Search page, given the edited copy of the brand's photo, until its results show. */
  async function searchEditedCopy(page: Page) {
    await page.goto(`${http.url}/search`);
    await page.setInputFiles("#search-image", path.join(dir, "edited-copy.jpg"));
    await page.click("#search-form button[type=submit]");
    await page.waitForSelector(".results");
  }

  it("1. the brand's owner signs in", async () => {
    const { page } = people.brand;
    await signIn(page, brand.apiKey);
    expect(new URL(page.url()).pathname).toBe("/originals");
    await shot(page, "01-signed-in");
  });

  it("2. registers a folder of three photos with per-file progress and a summary", async () => {
    const { page } = people.brand;
    await page.fill("#category", "posters");
    await page.fill("#country", "DE");
    await page.setInputFiles("#folder", path.join(dir, "catalogue"));
    expect(await page.locator("#uploads li").count()).toBe(3);
    await page.click("#start-register");
    await page.waitForFunction(() => document.getElementById("upload-summary")!.textContent !== "");
    expect(await page.textContent("#upload-summary")).toBe("3 registered · 0 already registered · 0 refused");
    await shot(page, "02-registered");
  });

  it("3. waits on the Originals page until the batcher has anchored all three", async () => {
    const { page } = people.brand;
    const deadline = Date.now() + 30_000;
    for (;;) {
      await page.goto(`${http.url}/originals`);
      if ((await page.locator(".item .badge.anchored").count()) === 3 || Date.now() > deadline) break;
      await page.waitForTimeout(500);
    }
    expect(await page.$$eval(".item strong", (els) => els.map((e) => e.textContent).sort())).toEqual(["SKU-ALOE", "SKU-BUILDING", "SKU-SMARTIES"]);
    expect(await page.locator(".item .badge.anchored").count()).toBe(3);
    await shot(page, "03-anchored");
  });

  it("4–5. searches with an edited copy: its own original is stored as evidence, the other shop's listing is found", async () => {
    const { page } = people.brand;
    await searchEditedCopy(page);
    const original = page.locator(".hit", { hasText: "SKU-BUILDING" });
    expect(await original.locator(".badge.anchored").textContent()).toBe("Stored as evidence");
    expect(await original.locator(".badge.yours").textContent()).toBe("Yours");
    const listing = page.locator(".hit", { hasText: "CHEAP-BUILDING" });
    expect(await listing.count()).toBe(1);
    expect(await listing.locator(".badge.yours").count()).toBe(0);
    await shot(page, "04-search-stored-as-evidence");
  });

  it("6–7. downloads the certificate PDF and verifies it on /verify with the photo, trusting no server", async () => {
    const { page } = people.brand;
    await page.goto(`${http.url}/originals`);
    const card = page.locator(".item", { hasText: "SKU-BUILDING" });
    const [download] = await Promise.all([page.waitForEvent("download"), card.locator("a[href$='/certificate.pdf']").click()]);
    const pdfPath = path.join(dir, "certificate.pdf");
    await download.saveAs(pdfPath);
    expect(readFileSync(pdfPath).subarray(0, 5).toString()).toBe("%PDF-");

    // The downloaded certificate itself is dropped in: the page extracts the evidence it embeds in the browser.
    await page.goto(`${http.url}/verify`);
    await page.setInputFiles("#evidence", pdfPath);
    await page.setInputFiles("#image", path.join(dir, "catalogue", "SKU-BUILDING.jpg"));
    await page.fill("#rpc", svc.deps.chain.publicRpcUrl!);
    await page.click("#verify");
    await page.waitForFunction(() => ["ok", "chain", "fail"].includes(document.getElementById("result")!.className));
    expect(await page.textContent("#result")).toMatch(new RegExp(`^VERIFIED: .* was registered by account ${brand.accountId}`));
    const checks = await page.$$eval("#checks li", (items) => items.map((li) => [li.getAttribute("data-check"), li.className]));
    expect(checks).toContainEqual(["image", "ok"]); // the photo's SHA-256, computed by the browser
    expect(checks.every(([, cls]) => cls === "ok")).toBe(true);
    await shot(page, "07-verified");
  });

  it("8. files a complaint against the other shop's listing, from its search card, with a PDF attached", async () => {
    const { page } = people.brand;
    await searchEditedCopy(page);
    await page.locator(".hit", { hasText: "CHEAP-BUILDING" }).locator("a[href^='/complaints/new']").click();
    await page.waitForSelector("#complaint-form");
    // The form offers the brand's original that the index finds in the listing, already ticked.
    const offered = page.locator("#suggested-originals input[type=checkbox]");
    expect(await offered.count()).toBe(1);
    expect(await offered.isChecked()).toBe(true);
    expect(await page.textContent("#suggested-originals")).toContain("SKU-BUILDING");
    expect(await seriousViolations(page), "new complaint").toEqual([]);
    await shot(page, "08a-complaint-form", true);
    const statement = "This listing uses our building photo, registered and anchored before it was listed.";
    await page.fill("#complaint-form textarea[name=statement]", statement);

    // A mistake comes back as the same form, what was typed kept and the refusal above it: a mistyped original id...
    const listingId = await page.inputValue("#complaint-form input[name=listingId]");
    await page.fill("#complaint-form input[name=originalIds]:not([type=checkbox])", "reg_mistyped");
    const [mistyped] = await Promise.all([page.waitForNavigation(), page.click("#complaint-form button[type=submit]")]);
    expect(mistyped!.status()).toBe(404);
    expect(await page.textContent("#complaint-form .refusal [role=alert]")).toBe("no registration reg_mistyped");
    expect(await page.inputValue("#complaint-form textarea[name=statement]")).toBe(statement);
    expect(await page.inputValue("#complaint-form input[name=listingId]")).toBe(listingId);
    expect(await offered.isChecked()).toBe(true);
    expect(await page.inputValue("#complaint-form input[name=originalIds]:not([type=checkbox])")).toBe("reg_mistyped");
    expect(await page.locator("#complaint-form .attachments-again").count()).toBe(1);
    expect(await seriousViolations(page), "refused complaint form").toEqual([]);
    await shot(page, "08a-complaint-form-refused");
    // ...and an attachment that is not a PDF.
    await page.fill("#complaint-form input[name=originalIds]:not([type=checkbox])", "");
    await page.setInputFiles("#complaint-form input[name=attachments]", path.join(dir, "edited-copy.jpg"));
    const [notPdf] = await Promise.all([page.waitForNavigation(), page.click("#complaint-form button[type=submit]")]);
    expect(notPdf!.status()).toBe(415);
    expect(await page.textContent("#complaint-form .refusal [role=alert]")).toBe("edited-copy.jpg is not a PDF");
    expect(await page.inputValue("#complaint-form textarea[name=statement]")).toBe(statement);
    expect(await offered.isChecked()).toBe(true);

    await page.setInputFiles("#complaint-form input[name=attachments]", path.join(dir, "copyright.pdf"));
    await page.click("#complaint-form button[type=submit]");
    await page.waitForURL(/\/complaints\/cmp_[0-9a-f]+$/);
    complaintPath = new URL(page.url()).pathname;
    expect(await page.textContent(".badge.submitted")).toBe("submitted");
    expect(await page.textContent("a[href*='/attachments/']")).toBe("copyright.pdf");
    expect(await page.locator("a[href$='/report.pdf']").count()).toBe(1);
    expect(await page.locator("form[action$='/withdraw']").count()).toBe(1); // the complainant may withdraw
    // ...after saying yes: a dismissed question sends nothing.
    page.once("dialog", (dialog) => void dialog.dismiss());
    await page.click("form[action$='/withdraw'] button[type=submit]");
    await page.waitForTimeout(300);
    expect(new URL(page.url()).pathname).toBe(complaintPath);
    expect(await page.textContent(".badge.submitted")).toBe("submitted");
    expect(await page.locator("#appeal-form, #decision-form").count()).toBe(0); // and nothing else
    await shot(page, "08b-complaint-filed", true);
  });

  it("9. the second organisation signs in (in Chinese) and appeals in one click; the page shows whose registration the chain dates first", async () => {
    // Its own registration of the photo, made after the brand's was anchored.
    const registered = await svc.request("/v1/originals", { method: "POST", key: copier.apiKey, body: imageForm(fixture("building.jpg"), { productId: "MINE-BUILDING", category: "posters", storeCountry: "CN" }) });
    expect(registered.status).toBe(201);
    const { page } = people.copier;
    await signIn(page, copier.apiKey, "?lang=zh");
    await page.goto(`${http.url}/complaints?tab=received`);
    expect(await page.textContent("h1")).toBe("投诉");
    await page.click(`a[href='${complaintPath}']`);
    await page.waitForSelector("#appeal-form");
    expect(await page.locator("form[action$='/withdraw'], #decision-form").count()).toBe(0);
    expect(await seriousViolations(page), "complaint, respondent").toEqual([]);
    await shot(page, "09a-complaint-received-zh", true);
    expect(await page.textContent("#appeal-form label:has(textarea[name=statement])")).toBe("申诉说明");
    await page.fill("#appeal-form textarea[name=statement]", "我们拥有这张照片的版权。");
    // A refused appeal comes back as the same form, the statement kept, the refusal explained in Chinese above it.
    await page.setInputFiles("#appeal-form input[name=attachments]", path.join(dir, "edited-copy.jpg"));
    const [notPdf] = await Promise.all([page.waitForNavigation(), page.click("#appeal-form button[type=submit]")]);
    expect(notPdf!.status()).toBe(415);
    expect(await page.textContent("#appeal-form .refusal [role=alert]")).toBe("附件必须是 PDF 文件。");
    expect(await page.textContent("#appeal-form .refusal .refusal-detail")).toContain("edited-copy.jpg is not a PDF");
    expect(await page.inputValue("#appeal-form textarea[name=statement]")).toBe("我们拥有这张照片的版权。");
    expect(await page.locator(".badge.submitted").textContent()).toBe("已提交");
    await shot(page, "09a-appeal-refused-zh");
    await page.setInputFiles("#appeal-form input[name=attachments]", path.join(dir, "licence.pdf"));
    await page.click("#appeal-form button[type=submit]");
    await page.waitForSelector("#appeal");
    expect(await page.textContent(".badge.appealed")).toBe("已申诉");
    expect(await page.textContent("#appeal .priority strong")).toBe("投诉方的登记更早上链");
    expect(await page.textContent("#appeal")).toContain("MINE-BUILDING");
    expect(await page.$$eval("a[href*='/attachments/']", (links) => links.map((a) => a.textContent))).toEqual(["copyright.pdf", "licence.pdf"]);
    await shot(page, "09b-appealed-zh", true);
  });

  it("9c. its own search marks its own listing and original as its own, with no complaint offered against itself", async () => {
    const { page } = people.copier;
    await searchEditedCopy(page);
    for (const own of ["CHEAP-BUILDING", "MINE-BUILDING"]) expect(await page.locator(".hit", { hasText: own }).locator(".badge.yours").textContent()).toBe("属于您");
    expect(await page.locator(".hit", { hasText: "CHEAP-BUILDING" }).locator("a[href^='/complaints/new']").count()).toBe(0);
    expect(await page.locator(".hit", { hasText: "SKU-BUILDING" }).locator(".badge.yours").count()).toBe(0);
  });

  it("10. a reviewer signs in onto the queue and upholds the complaint", async () => {
    const { page } = people.reviewer;
    await signIn(page, reviewer.apiKey);
    expect(new URL(page.url()).pathname).toBe("/complaints");
    expect(await page.locator("nav[aria-label=main] a[href='/originals'], nav[aria-label=main] a[href='/search']").count()).toBe(0);
    await shot(page, "10a-queue", true);
    await page.click(`a[href='${complaintPath}']`);
    await page.waitForSelector("#decision-form");
    expect(await page.locator("form[action$='/withdraw'], #appeal-form").count()).toBe(0);
    // The reviewer compares the copy with the cited original, both pictures on the page.
    expect(await page.locator(".compare figure img").count()).toBe(2);
    expect(await page.locator(".compare figure img").evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0))).toBe(true);
    expect(await seriousViolations(page), "complaint, reviewer").toEqual([]);
    await page.fill("#decision-form textarea[name=reason]", "The complainant's registration is anchored on chain before the listing and before the appellant's.");
    await page.click("#decision-form button[value=upheld]");
    await page.waitForSelector("#decision");
    await shot(page, "10b-decided", true);
    await page.goto(`${http.url}/complaints`);
    expect(await page.locator(`a[href='${complaintPath}']`).count()).toBe(0); // decided: no longer in the queue
  });

  it("11. the decision shows on both sides, with the whole timeline", async () => {
    for (const [who, upheld, kinds, roles] of [
      ["brand", "upheld", ["submitted", "appealed", "upheld"], ["owner", "owner", "reviewer"]],
      ["copier", "投诉成立", ["已提交", "已申诉", "投诉成立"], ["所有者", "所有者", "审核员"]],
    ] as const) {
      const { page } = people[who];
      await page.goto(`${http.url}${complaintPath}`);
      expect(await page.textContent("#decision .badge.upheld")).toBe(upheld);
      expect(await page.textContent("#decision")).toContain("anchored on chain before the listing");
      expect(await page.$$eval(".timeline li strong", (els) => els.map((e) => e.textContent))).toEqual(kinds);
      expect(await page.locator(".timeline li .role").allTextContents(), "each event's role, in the reader's language").toEqual(roles);
      // A reviewer belongs to neither party: named by the role alone, once.
      expect(await page.locator(".timeline li").last().textContent()).toMatch(who === "brand" ? /\(reviewer\)/ : /（?\(审核员\)/);
      // Every time in UTC, and in the reader's zone once the page script has run.
      expect(await page.locator(".timeline [data-local-of]").first().textContent()).toMatch(/\(.+\)$/);
      expect(await page.locator("form").filter({ has: page.locator("button[type=submit]:not(.link)") }).count()).toBe(0); // nothing left to do
      await shot(page, `11-decision-${who}`);
    }
  });
});
