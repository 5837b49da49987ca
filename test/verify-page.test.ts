import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./helpers/browser";
import { listen } from "./helpers/http-server";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";

describe("/verify: verification in a real browser, trusting no server", () => {
  let svc: TestService;
  let http: { url: string; close(): Promise<void> };
  let browser: Browser;
  let dir: string;
  let bundlePath: string;
  let rpcUrl: string;

  beforeAll(async () => {
    svc = await startTestService("pglite");
    http = await listen(svc.app);
    browser = await launchBrowser();
    dir = mkdtempSync(path.join(tmpdir(), "imprint-verify-page-"));
    const seller = await svc.newSeller("shop");
    const reg = await (
      await svc.request("/v1/originals", { method: "POST", key: seller.apiKey, body: imageForm(fixture("building.jpg"), { productId: "P", category: "c", storeCountry: "DE" }) })
    ).json();
    await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY });
    const bundle = await (await svc.request(`/v1/originals/${reg.id}/evidence`, { key: seller.apiKey })).json();
    bundlePath = path.join(dir, "bundle.json");
    writeFileSync(bundlePath, JSON.stringify(bundle));
    writeFileSync(path.join(dir, "building.jpg"), fixture("building.jpg"));
    await sharp(fixture("building.jpg")).resize(700).jpeg({ quality: 70 }).toFile(path.join(dir, "copy.jpg"));
    const tampered = { ...bundle, registration: { ...bundle.registration, accountId: "acc_someone_else" } };
    writeFileSync(path.join(dir, "tampered.json"), JSON.stringify(tampered));
    rpcUrl = svc.deps.chain.publicRpcUrl!;
  });
  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await svc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Drops the files in, verifies, and returns the verdict line and each check's name and result. */
  async function verifyOnPage(page: Page, bundle: string, image?: string) {
    await page.setInputFiles("#bundle", bundle);
    if (image) await page.setInputFiles("#image", image);
    await page.fill("#rpc", rpcUrl);
    await page.click("#verify");
    await page.waitForFunction(() => {
      const r = document.getElementById("result")!;
      return r.className === "ok" || r.className === "fail";
    });
    const result = await page.textContent("#result");
    const checks = await page.$$eval("#checks li", (items) => items.map((li) => [li.getAttribute("data-check"), li.className]));
    return { result: result ?? "", checks };
  }

  it("verifies a real bundle and an edited copy of its image, and asks only the RPC once loaded", async () => {
    const page = await browser.newPage();
    await page.goto(`${http.url}/verify`);
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));

    const exact = await verifyOnPage(page, bundlePath, path.join(dir, "building.jpg"));
    expect(exact.result).toMatch(/^VERIFIED: /);
    expect(exact.checks).toContainEqual(["image", "ok"]); // SHA-256 computed by WebCrypto
    expect(exact.checks.every(([, cls]) => cls === "ok")).toBe(true);

    const copy = await verifyOnPage(page, bundlePath, path.join(dir, "copy.jpg"));
    expect(copy.result).toMatch(/^VERIFIED: /); // by the PDQ the page computed with src/core
    expect(await page.textContent('[data-check="image"]')).toMatch(/visually similar copy: PDQ distance \d+\/256/);

    const tampered = await verifyOnPage(page, path.join(dir, "tampered.json"));
    expect(tampered.result).toBe("NOT VERIFIED");
    expect(tampered.checks).toContainEqual(["leaf", "fail"]);

    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => url.startsWith(http.url))).toEqual([]);
    expect(requests.every((url) => url.startsWith(rpcUrl))).toBe(true);
    await page.close();
  });

  it("works saved to disk and opened from a file", async () => {
    const saved = path.join(dir, "verify.html");
    writeFileSync(saved, await (await fetch(`${http.url}/verify`)).text());
    const page = await browser.newPage();
    await page.goto(pathToFileURL(saved).href);
    const { result } = await verifyOnPage(page, bundlePath);
    expect(result).toMatch(/^VERIFIED: /);
    await page.close();
  });

  it("speaks Simplified Chinese", async () => {
    const page = await browser.newPage();
    await page.goto(`${http.url}/verify?lang=zh`);
    expect(await page.textContent("h1")).toBe("核验证据");
    expect(await page.getAttribute("html", "lang")).toBe("zh-CN");
    await page.close();
  });
});
