import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyPrefixOf } from "../src/accounts/keys";
import { WATCH_JOB } from "../src/use-cases/watch";
import { seriousViolations } from "./helpers/axe";
import { launchBrowser, SCREENSHOTS, screenshotAndAudit, VIEWPORTS } from "./helpers/browser";
import { logoed } from "./helpers/edits";
import { listen } from "./helpers/http-server";
import { jobsDrained } from "./helpers/jobs";
import { matchPictureInk } from "./helpers/match-picture";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";


/** Search history, alerts and the team pages in a real browser, as an owner and as a member who is offered none. */
describe("the portal's search history, alerts and team pages", () => {
  let svc: TestService;
  let http: { url: string; close(): Promise<void> };
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let brand: { apiKey: string };
  let searchId: string;

  const json = async (res: Response | Promise<Response>) => {
    const r = await res;
    if (r.status >= 300) throw new Error(`${r.status} ${await r.text()}`);
    return r.json();
  };
  const signIn = async (p: Page, key: string) => {
    await p.goto(`${http.url}/sign-in`);
    await p.fill("#key", key);
    await p.click("button[type=submit]");
    await p.waitForURL((url) => url.pathname !== "/sign-in");
  };

  beforeAll(async () => {
    svc = await startTestService("pglite", { JOB_POLL_MS: "100" });
    http = await listen(svc.app);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    page = await context.newPage();
    brand = await svc.newSeller("Brand with a portal");
    const store = await svc.newSeller("Store that copies");
    const register = (bytes: Buffer, productId: string) =>
      json(svc.request("/v1/originals", { method: "POST", key: brand.apiKey, body: imageForm(bytes, { productId, category: "plants", storeCountry: "DE" }) }));
    const list = (bytes: Buffer, productId: string) =>
      json(svc.request("/v1/listings", { method: "POST", key: store.apiKey, body: imageForm(bytes, { productId, storeId: "s-1", storeCountry: "PL", category: "plants" }) }));
    await register(fixture("aloe.webp"), "P-ALOE");
    await register(fixture("building.jpg"), "P-BUILDING");
    // Two copies listed by another organisation: two alerts for the brand, raised by the watch job.
    await list(await logoed(fixture("aloe.webp")), "L-ALOE-COPY");
    await list(await sharp(fixture("building.jpg")).resize(700).jpeg({ quality: 80 }).toBuffer(), "L-BUILDING-COPY");
    await jobsDrained(svc.deps.db, WATCH_JOB);
    searchId = (await json(svc.request("/v1/search", { method: "POST", key: brand.apiKey, body: imageForm(await logoed(fixture("aloe.webp")), {}, "q.jpg") }))).searchId;
    mkdirSync(SCREENSHOTS, { recursive: true });
    await signIn(page, brand.apiKey);
  });
  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await svc?.stop();
  });

  const check = (name: string) => screenshotAndAudit(page, name);

  it("offers the owner search history, alerts and team in the nav", async () => {
    await page.goto(`${http.url}/originals`);
    const nav = await page.$$eval("nav[aria-label=main] a", (els) => els.map((e) => e.getAttribute("href")));
    expect(nav).toEqual(expect.arrayContaining(["/searches", "/alerts", "/team"]));
  });

  it("lists a search with its thumbnail, parameters and hits, seals it, and downloads its receipt once anchored", async () => {
    await page.goto(`${http.url}/searches`);
    const card = page.locator(`.search-record[data-id="${searchId}"]`);
    expect(await card.getAttribute("data-receipt")).toBe("none");
    expect(Number(await card.locator(".hit-count").textContent())).toBeGreaterThan(0);
    expect(await card.locator(".hits").textContent()).toContain("P-ALOE");
    // The brand's own original is marked as its own; the other organisation's copy is not.
    expect(await card.locator(".hits li", { hasText: "P-ALOE" }).textContent()).toMatch(/ · Yours$/);
    expect(await card.locator(".hits li", { hasText: "L-ALOE-COPY" }).textContent()).not.toContain("Yours");
    expect(await card.textContent()).toContain("Threshold: 85");
    expect(await card.locator(".badge.receipt").textContent()).toBe("not sealed");
    const thumbnail = await page.request.get(new URL((await card.locator("img").getAttribute("src"))!, http.url).href);
    expect(thumbnail.headers()["content-type"]).toBe("image/webp");
    await check("search-history");

    await card.locator("button", { hasText: "Seal as receipt" }).click();
    await page.waitForURL(/\/searches/);
    expect(await card.getAttribute("data-receipt")).toBe("pending");
    expect(await card.locator("a[download]").count()).toBe(0);

    expect((await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY })).status).toBe(200);
    await page.reload();
    expect(await card.getAttribute("data-receipt")).toBe("anchored");
    expect(await card.locator(".badge.receipt").textContent()).toBe("anchored");
    const [download] = await Promise.all([page.waitForEvent("download"), card.locator("a", { hasText: "Receipt (JSON)" }).click()]);
    const receipt = JSON.parse(readFileSync((await download.path())!, "utf8"));
    expect(receipt.format).toBe("imprint.search-receipt.v1");
    expect(receipt.record.id).toBe(searchId);
    expect(receipt.anchor.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    await check("search-history-anchored");
  });

  it("shows each alert with both pictures and its similarity, and acknowledges and dismisses alerts", async () => {
    await page.goto(`${http.url}/alerts`);
    const alerts = page.locator("li.alert");
    expect(await alerts.count()).toBe(2);
    for (const alert of await alerts.all()) {
      expect(await alert.locator("img").count()).toBe(2);
      expect(Number(await alert.locator(".similarity-value").textContent())).toBeGreaterThanOrEqual(92);
    }
    expect(await page.locator("li.alert figcaption").allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining("P-ALOE"), expect.stringContaining("L-ALOE-COPY")]));
    await check("alerts");
    // "Compare": each alert's match picture over the session, with the matcher's lines drawn.
    for (const alert of await alerts.all()) {
      const picture = await page.request.get(new URL((await alert.locator("a.compare-link").getAttribute("href"))!, http.url).href);
      expect(picture.status()).toBe(200);
      expect(picture.headers()["content-type"]).toBe("image/png");
      const ink = await matchPictureInk(await picture.body());
      expect(ink).toMatchObject({ format: "png", height: 256 });
      expect(ink.lines).toBeGreaterThan(20);
    }

    // A listing's alert offers a complaint that cites the alerted original and records the alert.
    const offered = page.locator("li.alert a.complaint-link");
    expect(await offered.count()).toBe(await alerts.count()); // both alerts here are about listings
    const href = new URL((await offered.first().getAttribute("href"))!, http.url);
    const alertId = (await alerts.first().getAttribute("data-id"))!;
    expect(Object.fromEntries(href.searchParams)).toEqual({ listingId: expect.stringMatching(/^lst_/), originalIds: expect.stringMatching(/^reg_/), alertId });
    const form = await context.newPage();
    await form.goto(href.href);
    expect(await form.inputValue("#complaint-form input[name=alertId]")).toBe(alertId);
    expect(await form.inputValue("#complaint-form input[name=listingId]")).toBe(href.searchParams.get("listingId"));
    await form.close();

    const first = (await alerts.first().getAttribute("data-id"))!;
    await alerts.first().locator("button", { hasText: "Acknowledge" }).click();
    await page.waitForURL(/\/alerts\?status=new$/);
    expect(await alerts.count()).toBe(1);
    const second = (await alerts.first().getAttribute("data-id"))!;
    await alerts.first().locator("button", { hasText: "Dismiss" }).click();
    await page.waitForURL(/\/alerts\?status=new$/);
    expect(await alerts.count()).toBe(0);

    await page.click("nav.tabs a[href='/alerts?status=acknowledged']");
    expect(await alerts.evaluateAll((els) => els.map((e) => e.getAttribute("data-id")))).toEqual([first]);
    await page.click("nav.tabs a[href='/alerts?status=dismissed']");
    expect(await alerts.evaluateAll((els) => els.map((e) => e.getAttribute("data-id")))).toEqual([second]);
    const api = await json(svc.request("/v1/alerts", { key: brand.apiKey }));
    expect(Object.fromEntries(api.items.map((a: { id: string; status: string }) => [a.id, a.status]))).toEqual({ [first]: "acknowledged", [second]: "dismissed" });
  });

  let clerkKey: string;

  it("adds a member and shows their key once", async () => {
    await page.goto(`${http.url}/team`);
    await check("team-members");
    await page.fill("#add-member input[name=name]", "Store clerk");
    await page.selectOption("#add-member select[name=role]", "member");
    await page.click("#add-member button[type=submit]");
    clerkKey = (await page.textContent("#new-key"))!.trim();
    expect(clerkKey).toMatch(/^imp_/);
    await check("team-new-key");
    // The key works, and is never shown again.
    expect((await svc.request("/v1/listings/lst_000000000000000000000000", { key: clerkKey })).status).toBe(404);
    await page.goto(`${http.url}/team`);
    expect(await page.content()).not.toContain(clerkKey);
    const row = page.locator("table.members tr", { hasText: "Store clerk" });
    expect(await row.textContent()).toContain("member (store)");
    await page.goto(`${http.url}/team/keys`);
    expect(await page.content()).not.toContain(clerkKey);
    // Another key for the clerk: the page names its holder, not the member id.
    await page.goto(`${http.url}/team`);
    await row.locator("form[action='/team/keys'] button").click();
    expect(await page.textContent("#new-key-title")).toBe("Key created: Store clerk");
    expect((await page.textContent("#new-key"))!.trim()).toMatch(/^imp_/);
  });

  it("changes a member's role and removes a member", async () => {
    await json(svc.request("/v1/members", { method: "POST", key: brand.apiKey, headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "Temp", role: "member" }) }));
    await page.goto(`${http.url}/team`);
    const row = page.locator("table.members tbody tr", { hasText: "Temp" });
    await row.locator("select[name=role]").selectOption("ip-manager");
    await row.locator("button", { hasText: "Change role" }).click();
    await page.waitForURL(/\/team$/);
    expect(await row.textContent()).toContain("IP manager");
    await row.locator("button", { hasText: "Remove" }).click();
    await page.waitForURL(/\/team$/);
    expect(await row.locator(".badge").textContent()).toBe("removed");
    expect(await row.locator("form").count()).toBe(0);
  });

  it("revokes a key: the API then refuses it with 401", async () => {
    await page.goto(`${http.url}/team/keys`);
    const row = page.locator(`table.keys tr[data-prefix="${keyPrefixOf(clerkKey)}"]`);
    expect(await row.count()).toBe(1);
    await check("team-keys");
    // The session's own key is not offered for revoking.
    expect(await page.locator("table.keys tr", { hasText: "this session" }).locator("button").count()).toBe(0);
    await row.locator("button", { hasText: "Revoke" }).click();
    await page.waitForURL(/\/team\/keys$/);
    expect(await row.locator(".badge").textContent()).toBe("revoked");
    expect((await svc.request("/v1/listings/lst_000000000000000000000000", { key: clerkKey })).status).toBe(401);
  });

  it("shows the audit log, the portal's own changes included", async () => {
    // A refusal is logged too: revoking a key that is not there.
    expect((await svc.request("/v1/keys/999999", { method: "DELETE", key: brand.apiKey })).status).toBe(404);
    await page.goto(`${http.url}/team/audit`);
    const actions = await page.locator("table.audit td.action .route").allTextContents();
    expect(actions).toEqual(expect.arrayContaining(["POST /team/members", "POST /team/members/:id/role", "POST /team/members/:id/remove", "POST /team/keys/:id/revoke", "POST /searches/:id/seal", "POST /alerts/:id/status"]));
    const revoke = page.locator("table.audit tr", { hasText: "POST /team/keys/:id/revoke" });
    // What was done in words, over the pattern as recorded; the outcome in words, over the status as recorded.
    expect(await revoke.locator("td.action .phrase").textContent()).toBe("Revoked an API key");
    // The outcome in words; the HTTP status as recorded is kept on the cell, not shown to the owner.
    expect(await revoke.locator("td.outcome").textContent()).toBe("Done");
    expect(await revoke.locator("td.outcome").getAttribute("data-status")).toBe("303");
    const refused = page.locator("table.audit tr", { hasText: "DELETE /v1/keys/:id" });
    expect(await refused.locator("td.outcome .verdict").textContent()).toBe("Refused");
    expect((await refused.locator("td.outcome .code").textContent())!.trim()).toBe("not_found");
    expect(await refused.locator("td.outcome").textContent()).not.toContain("404");
    // Who acted, by name (an organisation's first member is named "owner"), with the key's prefix; not the member id.
    const who = await revoke.locator("td[data-label=Member]").textContent();
    expect(who).toMatch(/^owner \(imp_/);
    expect(who).not.toContain("mem_");
    await check("team-audit");
    await page.goto(`${http.url}/team/audit?lang=zh`);
    const zhRevoke = page.locator("table.audit tr", { hasText: "POST /team/keys/:id/revoke" });
    expect(await zhRevoke.locator("td.action .phrase").textContent()).toBe("撤销 API 密钥");
    expect(await zhRevoke.locator("td.outcome .verdict").textContent()).toBe("成功");
    const zhRefused = page.locator("table.audit tr", { hasText: "DELETE /v1/keys/:id" });
    expect(await zhRefused.locator("td.outcome .verdict").textContent()).toBe("被拒绝");
    expect(await zhRefused.locator("td.outcome .explained").textContent()).toBe("未找到该内容：它可能已被删除，或不属于您的组织。");
    await check("team-audit-zh");
    await page.goto(`${http.url}/team/audit?lang=en`);
  });

  it("refuses a form posted without the page's CSRF token", async () => {
    const seal = await page.request.post(`${http.url}/searches/${searchId}/seal`, { form: {}, maxRedirects: 0 });
    expect(seal.status()).toBe(403);
    const add = await page.request.post(`${http.url}/team/members`, { form: { name: "Forged", role: "owner", _csrf: "not-the-token" }, maxRedirects: 0 });
    expect(add.status()).toBe(403);
    const members = await json(svc.request("/v1/members", { key: brand.apiKey }));
    expect(members.items.map((m: { name: string }) => m.name)).not.toContain("Forged");
  });

  it("shows the team pages in Simplified Chinese", async () => {
    await page.goto(`${http.url}/team?lang=zh`);
    expect(await page.textContent("h1")).toBe("团队");
    expect(await page.textContent("#add-member h2")).toBe("添加成员");
    await check("team-zh");
    // A badge ("有效", "已移除") stays on one line, in the table and on a phone's cards alike.
    for (const size of Object.values(VIEWPORTS)) {
      await page.setViewportSize(size);
      const heights = await page.locator("table.members .badge").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
      expect(heights.length).toBeGreaterThan(1);
      for (const height of heights) expect(height, `a badge at ${size.width} px`).toBeLessThan(30);
    }
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.goto(`${http.url}/alerts`);
    expect(await page.textContent("h1")).toBe("预警");
    await page.goto(`${http.url}/searches?lang=en`);
  });

  it("offers a member none of these pages and refuses them when asked directly", async () => {
    const clerk = await json(svc.request("/v1/members", { method: "POST", key: brand.apiKey, headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "Clerk", role: "member" }) }));
    const memberContext = await browser.newContext({ viewport: VIEWPORTS.desktop });
    const memberPage = await memberContext.newPage();
    try {
      await signIn(memberPage, clerk.apiKey);
      // A member lands on /verify, which has no portal nav; a refusal is a page in the layout, with the member's nav.
      for (const path of ["/search", "/searches", "/alerts", "/team", "/team/keys", "/team/audit"]) {
        const res = await memberPage.goto(`${http.url}${path}`);
        expect(res!.status(), path).toBe(403);
        expect(await memberPage.textContent("[role=alert]")).toBeTruthy();
      }
      const nav = await memberPage.$$eval("nav[aria-label=main] a", (els) => els.map((e) => e.getAttribute("href")));
      expect(nav.length).toBeGreaterThan(0);
      for (const path of ["/search", "/searches", "/alerts", "/team"]) expect(nav).not.toContain(path);
      // The refusal page is a proper page: language, title, and no serious accessibility violation, in both languages.
      expect(await memberPage.getAttribute("html", "lang")).toBe("en");
      expect(await memberPage.title()).toBe("Not allowed · Imprint");
      expect(await seriousViolations(memberPage), "403 page").toEqual([]);
      await memberPage.goto(`${http.url}/search?lang=zh`);
      expect(await memberPage.getAttribute("html", "lang")).toBe("zh-CN");
      expect(await memberPage.title()).toBe("无权访问 · Imprint");
      expect(await memberPage.textContent("[role=alert]")).toBe("您的角色无权访问此页面。");
      expect(await seriousViolations(memberPage), "403 page, zh").toEqual([]);
      await memberPage.screenshot({ path: path.join(SCREENSHOTS, "refused-zh.png"), fullPage: true });
    } finally {
      await memberContext.close();
    }
  });
});
