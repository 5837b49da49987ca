import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./helpers/axe";
import { launchBrowser, SCREENSHOTS, screenshotAndAudit, VIEWPORTS } from "./helpers/browser";
import { listen } from "./helpers/http-server";
import { matchPictureInk } from "./helpers/match-picture";
import { ADMIN_KEY, fixture, startTestService, type TestService } from "./helpers/service";


describe("the portal in a real browser", () => {
  let svc: TestService;
  let http: { url: string; close(): Promise<void> };
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let seller: { apiKey: string };
  let dir: string;

  beforeAll(async () => {
    svc = await startTestService("pglite");
    http = await listen(svc.app);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    page = await context.newPage();
    seller = await svc.newSeller("Shop with a portal");
    dir = mkdtempSync(path.join(tmpdir(), "imprint-portal-"));
    const folder = path.join(dir, "catalogue");
    mkdirSync(folder);
    writeFileSync(path.join(folder, "SKU-BUILDING.jpg"), fixture("building.jpg"));
    writeFileSync(path.join(folder, "SKU-ALOE.webp"), fixture("aloe.webp"));
    writeFileSync(path.join(folder, "SKU-TINY.jpg"), fixture("home-small.jpg"));
    // What else a seller's folder holds: listed as skipped, never sent.
    writeFileSync(path.join(folder, "notes.txt"), "shoot of 12 May");
    await sharp(fixture("building.jpg")).extract({ left: 60, top: 40, width: 700, height: 520 }).jpeg({ quality: 65 }).toFile(path.join(dir, "copy.jpg"));
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await svc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const check = (name: string) => screenshotAndAudit(page, name);

  it("refuses a wrong key, signs in with a right one into an HttpOnly SameSite=Strict cookie", async () => {
    await page.goto(`${http.url}/originals`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    await check("sign-in");
    await page.fill("#key", "imp_not_a_key");
    await page.click("button[type=submit]");
    expect(await page.textContent("[role=alert]")).toContain("unknown or revoked");
    await page.fill("#key", seller.apiKey);
    await page.click("button[type=submit]");
    await page.waitForURL(/\/originals$/);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: "imprint_session", httpOnly: true, sameSite: "Strict" });
    expect(cookie.value).not.toContain(seller.apiKey.slice(4));
  });

  it("registers a folder with per-file progress and a summary: registered, and refused with the reason", async () => {
    await page.fill("#category", "plants");
    await page.fill("#country", "DE");
    await page.setInputFiles("#folder", path.join(dir, "catalogue"));
    await page.click("#start-register");
    await page.waitForFunction(() => document.getElementById("upload-summary")!.textContent !== "");
    expect(await page.textContent("#upload-summary")).toBe("2 registered · 0 already registered · 1 refused · 1 skipped (not an image)");
    expect(await page.textContent('#uploads li[data-outcome="refused"]')).toContain("image_too_small");
    expect(await page.textContent('#uploads li[data-outcome="skipped"]')).toBe("catalogue/notes.txt skipped (not an image)");
    // The list below shows what the run registered without a reload, and still after one.
    expect(await page.$$eval(".grid .item strong", (els) => els.map((e) => e.textContent).sort())).toEqual(["SKU-ALOE", "SKU-BUILDING"]);
    expect(await page.locator("#originals-list [data-local-of]").first().textContent()).toMatch(/\(.+\)$/);
    await page.reload();
    expect(await page.$$eval(".grid .item strong", (els) => els.map((e) => e.textContent).sort())).toEqual(["SKU-ALOE", "SKU-BUILDING"]);
    await check("originals");
  });

  it("searches with an edited copy and shows the anchored original as stored as evidence", async () => {
    expect((await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY })).status).toBe(200);
    await page.goto(`${http.url}/search`);
    await page.setInputFiles("#search-image", path.join(dir, "copy.jpg"));
    await page.click("#search-form button[type=submit]");
    await page.waitForSelector(".results");
    const first = page.locator(".hit").first();
    expect(await first.locator("strong").nth(1).textContent()).toBe("SKU-BUILDING");
    expect(await first.locator(".badge.anchored").textContent()).toBe("Stored as evidence");
    // The seller's own original: marked as theirs.
    expect(await first.locator(".badge.yours").textContent()).toBe("Yours");
    await check("search-results");

    // "Compare": the hit's match picture, over the session cookie (no key in the browser).
    const compare = first.locator("a.compare-link");
    expect(await compare.textContent()).toBe("Compare");
    const picture = await page.request.get(new URL((await compare.getAttribute("href"))!, http.url).href);
    expect(picture.status()).toBe(200);
    expect(picture.headers()["content-type"]).toBe("image/png");
    const ink = await matchPictureInk(await picture.body());
    expect(ink).toMatchObject({ format: "png", height: 256 });
    expect(ink.outline).toBeGreaterThan(100);
    expect(ink.lines).toBeGreaterThan(20);
  });

  it("switches to Simplified Chinese and remembers it", async () => {
    await page.goto(`${http.url}/originals?lang=zh`);
    expect(await page.textContent("h1")).toBe("原图");
    // The bulk registration's refusals too: the code explained in Chinese, then the code and the service's words.
    const tooSmall = await sharp({ create: { width: 40, height: 40, channels: 3, background: "#3c3" } }).png().toBuffer();
    await page.fill("#category", "plants");
    await page.fill("#country", "DE");
    await page.setInputFiles("#files", { name: "tiny.png", mimeType: "image/png", buffer: tooSmall });
    await page.click("#start-register");
    await page.waitForSelector('#uploads li[data-outcome="refused"]');
    expect(await page.textContent('#uploads li[data-outcome="refused"]')).toMatch(/图片尺寸过小。（image_too_small: .+）/);
    // A long Chinese label wraps above its input: the inputs of the row stay level.
    const tops = await Promise.all(["#category", "#country", "#product-id"].map(async (id) => (await page.locator(id).boundingBox())!.y));
    expect(new Set(tops).size, `inputs' tops ${tops}`).toBe(1);
    await check("originals-zh");
    await page.goto(`${http.url}/search`);
    expect(await page.textContent("h1")).toBe("搜索");
    await check("search-zh");

    // A refusal from the service (its messages are English) is explained in Chinese, with the service's words after.
    const tiny = await sharp({ create: { width: 40, height: 40, channels: 3, background: "#c33" } }).png().toBuffer();
    await page.setInputFiles("#search-image", { name: "tiny.png", mimeType: "image/png", buffer: tiny });
    const [refused] = await Promise.all([page.waitForNavigation(), page.click("#search-form button[type=submit]")]);
    expect(refused!.status()).toBe(422);
    expect(await page.title()).toBe("请求被拒绝 · Imprint");
    expect(await page.textContent("[role=alert]")).toBe("图片尺寸过小。");
    const detail = page.locator("main p.small");
    expect(await detail.textContent()).toMatch(/^服务返回的原文: .*\d+ px/);
    expect(await detail.locator("span").getAttribute("lang")).toBe("en");
    await page.goto(`${http.url}/search?lang=en`);
  });

  it("switches language without losing the page's query, and opens the verifier in the portal's language", async () => {
    await page.goto(`${http.url}/complaints/new?listingId=lst_0123&lang=en`);
    const toChinese = await page.getAttribute('a[hreflang="zh-CN"]', "href");
    expect(toChinese).toBe("/complaints/new?listingId=lst_0123&lang=zh");
    await page.goto(`${http.url}/originals?lang=zh`);
    expect(await page.getAttribute('nav a[href^="/verify"]', "href")).toBe("/verify?lang=zh");
    await page.goto(`${http.url}/originals?lang=en`);
  });

  it("answers an unknown address with the portal's 404 page for a browser, and JSON for a program", async () => {
    const res = await page.goto(`${http.url}/nonexistent-page`);
    expect(res!.status()).toBe(404);
    expect(res!.headers()["content-type"]).toMatch(/^text\/html/);
    expect(await page.title()).toBe("Not found · Imprint");
    expect(await page.textContent("[role=alert]")).toBe("There is no page at this address.");
    expect(await page.locator("nav[aria-label=main] a[href='/originals']").count()).toBe(1); // the signed-in seller's nav
    expect(await seriousViolations(page), "404 page").toEqual([]);
    await page.goto(`${http.url}/nonexistent-page?lang=zh`);
    expect(await page.title()).toBe("未找到 · Imprint");
    expect(await page.textContent("[role=alert]")).toBe("未找到该内容：它可能已被删除，或不属于您的组织。");
    await page.goto(`${http.url}/originals?lang=en`);
    // The API's paths, and a program that does not ask for HTML, keep the JSON.
    for (const [where, accept] of [["/nonexistent-page", "application/json"], ["/v1/nonexistent", "text/html"], ["/.well-known/nonexistent", "text/html"]]) {
      const answer = await page.request.get(`${http.url}${where}`, { headers: { accept } });
      expect(answer.status(), where).toBe(404);
      expect((await answer.json()).error.code, where).toBe("not_found");
    }
  });

  it("signs out: the cookie no longer opens a page, and the sign-in page says why it is shown", async () => {
    await page.goto(`${http.url}/originals`);
    await page.click("form[action='/sign-out'] button");
    await page.waitForURL(/\/sign-in\?ended=signed-out$/);
    expect(await page.textContent("#session-ended")).toBe("You signed out. Sign in again to continue.");
    await page.goto(`${http.url}/originals`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
  });

  it("tells a reader whose key was revoked that their session ended", async () => {
    const issued = await svc.request("/v1/keys", { method: "POST", key: seller.apiKey, headers: { "content-type": "application/json" }, body: "{}" });
    expect(issued.status).toBe(201);
    const { id, apiKey } = await issued.json();
    await page.goto(`${http.url}/sign-in?lang=zh`);
    await page.fill("#key", apiKey);
    await page.click("main button[type=submit]");
    await page.waitForURL(/\/originals$/);
    expect((await svc.request(`/v1/keys/${id}`, { method: "DELETE", key: seller.apiKey })).status).toBeLessThan(300);
    await page.goto(`${http.url}/originals`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    expect(await page.textContent("#session-ended")).toBe("您的会话已结束：密钥已被撤销或会话已过期，请重新登录。");
    await check("sign-in-session-ended");
    await page.goto(`${http.url}/sign-in?lang=en`);
  });
});
