import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECKS_ZH } from "../src/web/verifier/verdict-zh";
import { launchBrowser, screenshotAndAudit } from "./helpers/browser";
import { forgeEvidence, type Forgery } from "./helpers/forgery";
import { listen } from "./helpers/http-server";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";

/** Chinese text: a line the page wrote in Chinese, not the core's English passed through; and a line with none. */
const HAN = /\p{Script=Han}/u;
const NO_HAN = /^[^\p{Script=Han}]+$/u;

describe("/verify in Chinese: a name and a meaning for every check the core can emit", () => {
  it("names in Chinese exactly the check names found in the verifier core's source", () => {
    const sources = ["src/core", "src/verifier"]
      .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith(".ts")).map((f) => readFileSync(path.join(dir, f), "utf8")))
      .join("\n");
    // The chain's checks of an anchor are named through `named(…)`, once per prefix the core passes to checkAnchorFacts.
    const prefixes = [...sources.matchAll(/checkAnchorFacts\("([a-z-]*)"/g)].map((match) => match[1]);
    expect(prefixes.sort()).toEqual(["", "reanchor-"]);
    const names = new Set<string>();
    // A check is written `{ name: <expression>, ok: … }`; each string literal in the expression is a name it can take.
    for (const [, expression] of sources.matchAll(/\bname: ([^\n]+?),\s+ok:/g)) {
      const literals = [...expression.matchAll(/"([a-z][a-z-]*)"/g)].map((match) => match[1]);
      // A name this scan cannot read (a template, a variable) must be taught to it, not silently missed.
      expect(literals, `check name ${expression}`).not.toEqual([]);
      for (const literal of literals) for (const prefix of expression.includes("named(") ? prefixes : [""]) names.add(prefix + literal);
    }
    expect(names).toContain("reanchor-block-time");
    expect([...names].sort()).toEqual(Object.keys(CHECKS_ZH).sort());
  });
});

describe("/verify: verification in a real browser, trusting no server", () => {
  let svc: TestService;
  let http: { url: string; close(): Promise<void> };
  let browser: Browser;
  let dir: string;
  let bundlePath: string;
  let rpcUrl: string;
  let seller: { accountId: string; apiKey: string };
  let forgery: Forgery;
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    svc = await startTestService("pglite");
    http = await listen(svc.app);
    browser = await launchBrowser();
    dir = mkdtempSync(path.join(tmpdir(), "imprint-verify-page-"));
    seller = await svc.newSeller("shop");
    const reg = await (
      await svc.request("/v1/originals", { method: "POST", key: seller.apiKey, body: imageForm(fixture("building.jpg"), { productId: "P", category: "c", storeCountry: "DE" }) })
    ).json();
    // A search sealed into the same batch: its receipt is anchored with the registration.
    const search = await (await svc.request("/v1/search", { method: "POST", key: seller.apiKey, body: imageForm(fixture("building.jpg"), {}) })).json();
    await svc.request(`/v1/searches/${search.searchId}/seal`, { method: "POST", key: seller.apiKey });
    await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY });
    const bundle = await (await svc.request(`/v1/originals/${reg.id}/evidence`, { key: seller.apiKey })).json();
    bundlePath = file("bundle.json");
    writeFileSync(bundlePath, JSON.stringify(bundle));
    const certificate = await svc.request(`/v1/originals/${reg.id}/certificate.pdf`, { key: seller.apiKey });
    expect(certificate.status).toBe(200);
    writeFileSync(file("certificate.pdf"), Buffer.from(await certificate.arrayBuffer()));
    const receipt = await svc.request(`/v1/searches/${search.searchId}/receipt`, { key: seller.apiKey });
    expect(receipt.status).toBe(200);
    writeFileSync(file("receipt.json"), await receipt.text());
    writeFileSync(file("building.jpg"), fixture("building.jpg"));
    writeFileSync(file("other.webp"), fixture("aloe.webp"));
    await sharp(fixture("building.jpg")).resize(700).jpeg({ quality: 70 }).toFile(file("copy.jpg"));
    const tampered = { ...bundle, registration: { ...bundle.registration, accountId: "acc_someone_else" } };
    writeFileSync(file("tampered.json"), JSON.stringify(tampered));
    writeFileSync(file("deployments.json"), JSON.stringify(svc.deps.deployments.file));
    rpcUrl = svc.deps.chain.publicRpcUrl!;
    forgery = await forgeEvidence(rpcUrl, seller.accountId, fixture("aloe.webp"));
    writeFileSync(file("forged.json"), JSON.stringify(forgery.bundle));
  });
  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await svc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  type TrustChoice = { served: true } | { file: string } | { contract: string } | { none: true };

  /** Drops the files in, chooses whom to trust, verifies, and returns the verdict line, each check and each finding. */
  async function verifyOnPage(page: Page, evidence: string, { image, trust }: { image?: string; trust?: TrustChoice } = {}) {
    await page.setInputFiles("#evidence", evidence);
    await page.setInputFiles("#image", image ?? []); // none: clears the one a previous verification used
    await page.fill("#rpc", rpcUrl);
    if (trust && "file" in trust) await page.setInputFiles("#trust-file", trust.file);
    else if (trust && "contract" in trust) await page.fill("#trust-contract", trust.contract);
    else if (trust && "none" in trust) await page.check("#trust-none");
    else if (trust) await page.check("#trust-served");
    await page.click("#verify");
    await page.waitForFunction(() => ["ok", "chain", "fail", "unread"].includes(document.getElementById("result")!.className));
    const result = await page.textContent("#result");
    const checks = await page.$$eval("#checks li", (items) => items.map((li) => [li.getAttribute("data-check"), li.className]));
    const findings = Object.fromEntries(await page.$$eval("#findings dd", (items) => items.map((dd) => [dd.getAttribute("data-finding"), dd.textContent])));
    return { result: result ?? "", checks, findings, text: (await page.textContent("main")) ?? "" };
  }

  it("is sent compressed to a client that takes it, the same page and policy every way", async () => {
    const get = (acceptEncoding?: string) => svc.request("/verify", { headers: acceptEncoding ? { "accept-encoding": acceptEncoding } : {} });
    const plain = await get();
    expect(plain.headers.get("content-encoding")).toBeNull();
    const html = await plain.text();
    for (const [acceptEncoding, coding, decode] of [
      ["gzip, deflate, br", "br", brotliDecompressSync],
      ["br;q=0, gzip", "gzip", gunzipSync],
    ] as const) {
      const res = await get(acceptEncoding);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-encoding")).toBe(coding);
      expect(res.headers.get("vary")).toBe("accept-encoding");
      expect(res.headers.get("content-type")).toBe(plain.headers.get("content-type"));
      expect(res.headers.get("content-security-policy")).toBe(plain.headers.get("content-security-policy"));
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.length).toBeLessThan(html.length / 2);
      expect(decode(body).toString("utf8")).toBe(html);
    }
  });

  it("verifies a real bundle and an edited copy of its image, and asks only the RPC once loaded", async () => {
    const page = await browser.newPage();
    await page.goto(`${http.url}/verify`);
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));

    const exact = await verifyOnPage(page, bundlePath, { image: file("building.jpg") });
    // Trusted by default: the deployments of the service that served the page, embedded in it.
    expect(exact.result).toMatch(new RegExp(`^VERIFIED: Image 0x[0-9a-f]{64} \\(PDQ 0x[0-9a-f]{64}\\) was registered by account ${seller.accountId}`));
    expect(exact.findings.deployment).toMatch(/^Deployment embedded-/);
    expect(exact.findings.local).toContain("proves nothing to a third party");
    expect(exact.checks).toContainEqual(["image", "ok"]); // SHA-256 computed by WebCrypto
    expect(exact.checks.every(([, cls]) => cls === "ok")).toBe(true);

    const copy = await verifyOnPage(page, bundlePath, { image: file("copy.jpg") });
    expect(copy.result).toMatch(/^VERIFIED: /); // by the PDQ the page computed with src/core
    expect(await page.textContent('[data-check="image"]')).toMatch(/visually similar copy: PDQ distance \d+\/256/);

    const tampered = await verifyOnPage(page, file("tampered.json"));
    expect(tampered.result).toBe("NOT VERIFIED");
    expect(tampered.checks).toContainEqual(["leaf", "fail"]);

    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => url.startsWith(http.url))).toEqual([]);
    expect(requests.every((url) => url.startsWith(rpcUrl))).toBe(true);
    await page.close();
  });

  it("verifies a certificate PDF and a search receipt, refuses a forged-contract bundle, and asks only the RPC once loaded", async () => {
    const page = await browser.newPage();
    await page.goto(`${http.url}/verify`);
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    // The service's deployment is listed as whom the page trusts, flagged as a local chain.
    expect(await page.textContent("#served-deployments")).toContain(`contract ${svc.deps.chain.contract}`);
    expect(await page.textContent("#served-deployments")).toContain("local development chain: proves nothing to a third party");

    // The certificate itself: its attached evidence-<id>.json is extracted in the browser.
    const certificate = await verifyOnPage(page, file("certificate.pdf"), { image: file("building.jpg") });
    expect(certificate.result).toMatch(new RegExp(`^VERIFIED: .* was registered by account ${seller.accountId}`));
    expect(certificate.checks.every(([, cls]) => cls === "ok")).toBe(true);
    expect(certificate.checks).toContainEqual(["image", "ok"]);

    const receipt = await verifyOnPage(page, file("receipt.json"), { image: file("building.jpg") });
    expect(receipt.result).toMatch(new RegExp(`^VERIFIED: Organisation ${seller.accountId} \\(member [^)]+\\) ran a search with image 0x`));
    expect(receipt.checks).toContainEqual(["deployment", "ok"]);
    expect(receipt.findings.chain).toMatch(/^A record of a search/);
    expect(receipt.findings.signature).toContain("no owner's signature");

    // The forgery of issue 14: every chain check holds, the deployment check fails and names contract and anchorer.
    const forged = await verifyOnPage(page, file("forged.json"), { trust: { served: true } });
    expect(forged.result).toBe("NOT VERIFIED");
    expect(forged.checks.filter(([, cls]) => cls === "fail")).toEqual([["deployment", "fail"]]);
    const detail = await page.textContent('[data-check="deployment"]');
    expect(detail).toContain(forgery.contract);
    expect(detail).toContain(forgery.anchorer);
    // Trusting nobody: only what the chain proves, never who registered it, and the local chain flagged.
    const chainOnly = await verifyOnPage(page, file("forged.json"), { trust: { none: true } });
    expect(chainOnly.result).toMatch(/^CHAIN ONLY: /);
    expect(chainOnly.text).not.toMatch(/registered by|VERIFIED:/);
    expect(chainOnly.findings.chain).toContain(`anchored by contract ${forgery.contract} whose anchorer is ${forgery.anchorer}`);
    expect(chainOnly.findings.deployment).toMatch(/^No trusted deployment/);
    expect(chainOnly.findings.local).toContain("local development chain");
    // Another deployments file, or a contract typed in: the person's choice, which the verdict applies.
    expect((await verifyOnPage(page, file("forged.json"), { trust: { file: file("deployments.json") } })).result).toBe("NOT VERIFIED");
    expect((await verifyOnPage(page, bundlePath, { trust: { file: file("deployments.json") } })).result).toMatch(/^VERIFIED: /);
    expect((await verifyOnPage(page, bundlePath, { trust: { contract: forgery.contract } })).checks).toContainEqual(["deployment", "fail"]);

    expect(requests.filter((url) => url.startsWith(http.url))).toEqual([]);
    expect(requests.every((url) => url.startsWith(rpcUrl))).toBe(true);
    await page.close();
  });

  it("works saved to disk and opened from a file, with the deployments it was served with", async () => {
    const saved = file("verify.html");
    writeFileSync(saved, await (await fetch(`${http.url}/verify`)).text());
    const page = await browser.newPage();
    await page.goto(pathToFileURL(saved).href);
    expect((await verifyOnPage(page, bundlePath)).result).toMatch(/^VERIFIED: /);
    expect((await verifyOnPage(page, file("certificate.pdf"))).result).toMatch(/^VERIFIED: /);
    await page.close();
  });

  it("keeps an RPC typed while the evidence file was still being read, instead of prefilling over it", async () => {
    const typedRpc = rpcUrl.replace("127.0.0.1", "localhost");
    expect(typedRpc).not.toBe(rpcUrl);
    // Choosing a JSON file reads it twice (is it a PDF? then the evidence, for its chain): the RPC is typed while
    // each read in turn is held. A prefill that looked before its read would put back the chain's default RPC.
    for (const heldRead of [1, 2]) {
      const page = await browser.newPage();
      await page.addInitScript((held: number) => {
        const w = window as unknown as { reads: number; release?: () => void };
        const read = Blob.prototype.arrayBuffer;
        w.reads = 0;
        Blob.prototype.arrayBuffer = function (this: Blob) {
          if (++w.reads !== held) return read.call(this);
          return new Promise<void>((resolve) => (w.release = resolve)).then(() => read.call(this));
        };
      }, heldRead);
      await page.goto(`${http.url}/verify`);
      await page.setInputFiles("#evidence", bundlePath);
      await page.waitForFunction(() => (window as unknown as { release?: () => void }).release !== undefined);
      // The same chain by another name: the prefill (the served RPC) would differ from what was typed.
      await page.fill("#rpc", typedRpc);
      await page.evaluate(() => (window as unknown as { release: () => void }).release());
      await page.click("#verify");
      await page.waitForFunction(() => ["ok", "chain", "fail", "unread"].includes(document.getElementById("result")!.className));
      expect({ heldRead, rpc: await page.inputValue("#rpc"), result: await page.textContent("#result") }).toEqual({
        heldRead,
        rpc: typedRpc,
        result: expect.stringMatching(/^VERIFIED: /),
      });
      await page.close();
    }
  });

  it("offers the service's own RPC, and says COULD NOT CHECK, not NOT VERIFIED, when the RPC does not answer", async () => {
    const page = await browser.newPage();
    await page.goto(`${http.url}/verify`);
    expect(await page.inputValue("#rpc")).toBe(rpcUrl);
    await page.setInputFiles("#evidence", bundlePath);
    await page.click("#verify");
    await page.waitForFunction(() => ["ok", "chain", "fail", "unread"].includes(document.getElementById("result")!.className));
    expect(await page.textContent("#result")).toMatch(/^VERIFIED: /);

    await page.fill("#rpc", "http://127.0.0.1:1");
    await page.click("#verify");
    await page.waitForFunction(() => ["ok", "chain", "fail", "unread"].includes(document.getElementById("result")!.className));
    expect(await page.getAttribute("#result", "class")).toBe("unread");
    expect(await page.textContent("#result")).toMatch(/^COULD NOT CHECK: /);
    // A tampered bundle fails offline whatever the RPC: that is a verdict, not a failure to check.
    await page.setInputFiles("#evidence", file("tampered.json"));
    await page.fill("#rpc", "http://127.0.0.1:1");
    await page.click("#verify");
    await page.waitForFunction(() => ["ok", "chain", "fail", "unread"].includes(document.getElementById("result")!.className));
    expect(await page.textContent("#result")).toBe("NOT VERIFIED");
    await page.close();
  });

  /** In Chinese, each check (or finding): its Chinese name and the core's beside it, its Chinese meaning, and the core's English line beneath. */
  async function chineseLines(page: Page, selector: string) {
    return page.$$eval(selector, (items) =>
      items.map((item) => ({
        key: item.getAttribute("data-check") ?? item.getAttribute("data-finding") ?? "",
        label: item.querySelector("strong")?.firstChild?.textContent,
        code: item.querySelector("strong code")?.textContent,
        codeLang: item.querySelector("strong code")?.getAttribute("lang"),
        zh: item.querySelector(".zh")?.textContent ?? "",
        en: item.querySelector(".en")?.textContent ?? "",
        enLang: item.querySelector(".en")?.getAttribute("lang"),
      })),
    );
  }

  /** Asserts that every check and finding shown is in Chinese with the core's English kept beneath, and returns them by key. */
  async function expectChinese(page: Page) {
    const checks = await chineseLines(page, "#checks li");
    const findings = await chineseLines(page, "#findings dd");
    for (const c of checks) {
      expect(c).toEqual({ key: c.key, label: expect.stringMatching(HAN), code: c.key, codeLang: "en", zh: expect.stringMatching(HAN), en: expect.stringMatching(NO_HAN), enLang: "en" });
    }
    for (const f of findings) expect(f).toMatchObject({ zh: expect.stringMatching(HAN), en: expect.stringMatching(NO_HAN), enLang: "en" });
    return { checks: Object.fromEntries(checks.map((c) => [c.key, c])), findings: Object.fromEntries(findings.map((f) => [f.key, f])) };
  }

  it("says in Chinese what each check and finding means, from the verdict's values, the core's English kept beneath", async () => {
    const page = await browser.newPage();
    await page.goto(`${http.url}/verify?lang=zh`);

    const exact = await verifyOnPage(page, bundlePath, { image: file("building.jpg") });
    const time = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC";
    const block = `最迟于 ${time}（链 31337 第 \\d+ 号区块）已存在`;
    expect(exact.result).toMatch(
      new RegExp(`^核验通过：账户 ${seller.accountId} 登记了此图片（SHA-256 0x[0-9a-f]{8}…[0-9a-f]{6}）；它${block}。链 31337 是本地开发链：.*不构成任何证明。$`),
    );
    const zh = await expectChinese(page);
    expect(Object.keys(zh.checks)).toEqual(exact.checks.map(([name]) => name));
    expect(zh.checks.leaf).toMatchObject({ label: "叶子哈希", zh: "叶子哈希与登记内容一致", en: "the registration's values hash to the leaf" });
    expect(zh.checks.image.zh).toBe("此图片与登记的图片字节完全相同");
    expect(zh.findings.chain.zh).toMatch(new RegExp(`^图片（SHA-256 0x[0-9a-f]{8}…[0-9a-f]{6}）${block}，由合约 ${svc.deps.chain.contract} 锚定。$`));
    expect(zh.findings.deployment.zh).toMatch(new RegExp(`^受信任的部署担保：账户 ${seller.accountId} 于 ${time} 登记了此图片。$`));
    expect(zh.findings.signature.zh).toBe("未经所有者的密钥签名。");
    expect(zh.findings.local.zh).toMatch(/^链 31337 是本地开发链/);
    await screenshotAndAudit(page, "verify-zh");
    // The English beneath is the core's own: switching language shows the same lines alone.
    await page.click("#language");
    expect(await page.textContent("#result")).toMatch(/^VERIFIED: Image 0x/);
    expect(await page.$$eval("#checks li > :last-child", (cells) => cells.map((c) => c.textContent))).toEqual(Object.values(zh.checks).map((c) => c.en));
    expect(await page.$$eval("#findings dd", (dds) => dds.map((dd) => dd.textContent))).toEqual(Object.values(zh.findings).map((f) => f.en));
    await page.click("#language");

    // Another picture: the Chinese says it differs and how to settle a doubt, not the API's route.
    const other = await verifyOnPage(page, bundlePath, { image: file("other.webp") });
    expect(other.result).toBe("证据有效，但与此图片不符");
    const image = (await expectChinese(page)).checks.image;
    expect(image.zh).toMatch(/^此图片与登记的图片不同：SHA-256 不同，PDQ 距离 \d+\/256.*请在 Imprint 门户的“搜索”中用此图片搜索/);
    expect(image.zh).not.toContain("/v1/");
    expect(image.en).toContain("POST /v1/search");

    const tampered = await verifyOnPage(page, file("tampered.json"));
    expect(tampered.result).toBe("核验未通过");
    const failed = await expectChinese(page);
    expect(failed.checks.leaf).toMatchObject({ zh: "叶子哈希与登记内容不一致：内容已被改动", en: expect.stringMatching(/^the values hash to 0x[0-9a-f]{64}, not 0x/) });
    expect(tampered.checks).toContainEqual(["leaf", "fail"]);

    const receipt = await verifyOnPage(page, file("receipt.json"));
    expect(receipt.result).toMatch(new RegExp(`^核验通过：组织 ${seller.accountId}（成员 [^）]+）于 ${time} 用图片（SHA-256 0x[0-9a-f]{8}…[0-9a-f]{6}）进行的搜索（范围 \\w+，阈值 [\\d.]+）得到 \\d+ 条结果；此记录${block}。`));
    const receiptZh = await expectChinese(page);
    expect(receiptZh.checks.digest.label).toBe("记录摘要");
    expect(receiptZh.checks.leaf.zh).toBe("叶子哈希与搜索内容一致");
    expect(receiptZh.findings.signature.zh).toMatch(/^搜索回执不带所有者的签名/);
    await page.close();
  });

  it("speaks the language asked for in the address, whatever the browser's", async () => {
    const context = await browser.newContext({ locale: "zh-CN" });
    const page = await context.newPage();
    await page.goto(`${http.url}/verify`);
    expect(await page.textContent("h1")).toBe("核验证据");
    await page.goto(`${http.url}/verify?lang=en`);
    expect(await page.textContent("h1")).toBe("Verify evidence");
    await context.close();
  });

  it("speaks Simplified Chinese", async () => {
    const page = await browser.newPage();
    await page.goto(`${http.url}/verify?lang=zh`);
    expect(await page.textContent("h1")).toBe("核验证据");
    expect(await page.getAttribute("html", "lang")).toBe("zh-CN");
    expect(await page.textContent("#trust legend")).toBe("信任谁来证明登记人或搜索人");
    // The deployments offered for trust, in the reader's language too (the values themselves are not words).
    expect(await page.textContent("#served-deployments li")).toMatch(/ · 链 31337 · 合约 0x[0-9a-f]{40} · 锚定方 0x[0-9a-f]{40} · /);
    const { result, findings } = await verifyOnPage(page, file("forged.json"), { trust: { none: true } });
    expect(result).toMatch(/^仅链上证明：|^仅链上证明: /);
    expect(await page.textContent("#findings dt")).toBe("区块链证明的内容");
    expect(findings.local).toBeDefined();
    await page.close();
  });
});
