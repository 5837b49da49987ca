import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMBEDDED_ANCHORER_KEY } from "../src/chain/anvil";
import { chainFactsReader } from "../src/chain/chain-facts";
import { deployAnchor } from "../src/chain/deploy";
import { writeDeploymentsFile } from "../src/chain/deployments-file";
import { blockTimestamp } from "../src/chain/receipt";
import { configSchema } from "../src/config";
import type { EvidenceBundle } from "../src/core/bundle";
import { withDeployment, type Deployment } from "../src/core/deployments";
import type { SearchReceipt } from "../src/core/search-receipt";
import type { AnchorQuery, ChainFacts } from "../src/core/verify";
import { isoOfSeconds } from "../src/core/time";
import { silentLogger } from "../src/observability/logger";
import { startServices, type Services } from "../src/services";
import { verifyEvidence } from "../src/verifier/verify-evidence";
import { startTestChain, type TestChain } from "./helpers/anvil";
import { launchBrowser } from "./helpers/browser";
import { freshDatabase } from "./helpers/databases";
import { listen } from "./helpers/http-server";
import { ADMIN_KEY, fixture, imageForm } from "./helpers/service";

const run = promisify(execFile);
const cli = path.join(__dirname, "../bin/imprint.cjs");
const NEW_CHAIN_ID = 31338;

describe("bundles and search receipts of a retired chain, re-anchored on a new one", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "imprint-reanchor-"));
  const deploymentsFile = path.join(dir, "deployments.json");
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let chainB: TestChain;
  let oldService: Services | undefined;
  let service: Services;
  let oldName: string;
  let oldRpcUrl: string;
  let before: EvidenceBundle;
  let bundle: EvidenceBundle;
  let receiptBefore: SearchReceipt;
  let receipt: SearchReceipt;
  let searchId: string;
  const request = (s: Services, p: string, init: RequestInit & { key?: string } = {}) => {
    const { key, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (key) headers.set("authorization", `Bearer ${key}`);
    return Promise.resolve(s.app.request(p, { ...rest, headers }));
  };
  const json = (body: unknown) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  beforeAll(async () => {
    database = await freshDatabase("pglite");
    // Chain A: the embedded anvil of a first service, which registers and anchors.
    const configA = configSchema.parse({ DATA_DIR: path.join(dir, "a"), IMPRINT_ADMIN_KEY: ADMIN_KEY, EMBEDDED_CHAIN_PORT: "0", ANALYSIS_WORKERS: "1" });
    oldService = await startServices(configA, { database, startBatcher: false, log: silentLogger });
    oldRpcUrl = oldService.deps.chain.publicRpcUrl!;
    oldName = oldService.deps.deployments.current.name;
    const seller = await (await request(oldService, "/v1/accounts", { ...json({ name: "s" }), key: ADMIN_KEY })).json();
    const ids: string[] = [];
    for (const name of ["building.jpg", "aloe.webp"]) {
      const form = imageForm(fixture(name), { productId: name, category: "c", storeCountry: "NL" });
      ids.push((await (await request(oldService, "/v1/originals", { method: "POST", key: seller.apiKey, body: form })).json()).id);
      await request(oldService, "/v1/admin/anchor", { method: "POST", key: ADMIN_KEY });
    }
    before = await (await request(oldService, `/v1/originals/${ids[0]}/evidence`, { key: seller.apiKey })).json();
    // A search receipt in a third batch of its own: the root of roots must cover every batch of the deployment,
    // whatever leaves it holds. Three batches: the first two roots get a two-step proof, the third a one-step one.
    const copy = await sharp(fixture("aloe.webp")).resize(400).jpeg({ quality: 75 }).toBuffer();
    const searched = await request(oldService, "/v1/search", { method: "POST", key: seller.apiKey, body: imageForm(copy, {}) });
    expect(searched.status).toBe(200);
    searchId = (await searched.json()).searchId;
    expect((await request(oldService, `/v1/searches/${searchId}/seal`, { method: "POST", key: seller.apiKey })).status).toBe(202);
    await request(oldService, "/v1/admin/anchor", { method: "POST", key: ADMIN_KEY });
    receiptBefore = await (await request(oldService, `/v1/searches/${searchId}/receipt`, { key: seller.apiKey })).json();
    expect(receiptBefore).toMatchObject({ format: "imprint.search-receipt.v1", merkle: { proof: [] } });

    // Chain B, with its own ProvenanceAnchor, joins the deployments file; chain A's is retired.
    chainB = await startTestChain({ chainId: NEW_CHAIN_ID });
    const deployed = await deployAnchor(chainB.wallet);
    const next: Deployment = {
      name: "chain-b",
      chainId: NEW_CHAIN_ID,
      contract: deployed.address.toLowerCase(),
      anchorer: deployed.anchorer.toLowerCase(),
      from: isoOfSeconds(await blockTimestamp(chainB.provider, deployed.blockNumber)),
      local: true,
    };
    writeDeploymentsFile(deploymentsFile, withDeployment(oldService.deps.deployments.file, next));

    // Chain A is shut down for good (its service stops its anvil); the service now anchors on chain B.
    await oldService.close();
    oldService = undefined;
    const configB = configSchema.parse({
      DATA_DIR: path.join(dir, "b"),
      IMPRINT_ADMIN_KEY: ADMIN_KEY,
      CHAIN_RPC_URL: chainB.rpcUrl,
      CHAIN_PRIVATE_KEY: EMBEDDED_ANCHORER_KEY,
      CHAIN_CONTRACT: deployed.address,
      DEPLOYMENTS_FILE: deploymentsFile,
    });
    service = await startServices(configB, { database, startBatcher: false, log: silentLogger });
    const res = await request(service, "/v1/admin/reanchor", { ...json({ from: oldName, to: "chain-b" }), key: ADMIN_KEY });
    expect(res.status).toBe(200);
    const { reanchors } = await res.json();
    expect(reanchors).toEqual([expect.objectContaining({ fromName: oldName, toName: "chain-b", leafCount: 3, chainId: NEW_CHAIN_ID })]);
    bundle = await (await request(service, `/v1/originals/${ids[0]}/evidence`, { key: seller.apiKey })).json();
    const served = await request(service, `/v1/searches/${searchId}/receipt`, { key: seller.apiKey });
    expect(served.status).toBe(200);
    receipt = await served.json();
  });
  afterAll(async () => {
    await oldService?.close();
    await service?.close();
    await chainB?.stop();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the old bundle with a second anchor path, and re-anchors nothing twice", async () => {
    const hash = expect.stringMatching(/^0x[0-9a-f]{64}$/);
    expect(bundle).toEqual({ ...before, reanchor: { proof: [hash, hash], root: expect.any(String), anchor: expect.objectContaining({ chainId: NEW_CHAIN_ID }) } });
    const again = await (await request(service, "/v1/admin/reanchor", { ...json({ from: oldName, to: "chain-b" }), key: ADMIN_KEY })).json();
    expect(again).toEqual({ reanchors: [] });
    const wrongTarget = await request(service, "/v1/admin/reanchor", { ...json({ from: "chain-b", to: oldName }), key: ADMIN_KEY });
    expect((await wrongTarget.json()).error.code).toBe("reanchor_target_not_current");
    expect((await request(service, "/v1/admin/reanchor", { ...json({ from: "nope", to: "chain-b" }), key: ADMIN_KEY })).status).toBe(404);
  });

  it("verifies through the new chain once the old one is gone, saying which path it used", async () => {
    const verdict = await (await request(service, "/v1/verify", json(bundle))).json();
    expect(verdict).toMatchObject({ ok: true, trusted: true, path: "reanchor" });
    expect(verdict.checks.find((c: { name: string }) => c.name === "anchor-path").detail).toContain(`confirmed on chain ${NEW_CHAIN_ID}; not readable: chain 31337`);
    expect(verdict.findings.deployment).toContain(`that it was first anchored at ${isoOfSeconds(before.anchor.blockTimestamp)}`);
    // Without its second path, the old bundle cannot be checked any more.
    expect((await (await request(service, "/v1/verify", json(before))).json()).ok).toBe(false);

    const file = path.join(dir, "bundle.json");
    writeFileSync(file, JSON.stringify(bundle));
    const { stdout } = await run("node", [cli, "verify", file, "--rpc", chainB.rpcUrl, "--rpc", oldRpcUrl, "--trust", deploymentsFile]);
    expect(stdout).toMatch(/^VERIFIED \(anchor path: reanchor\)/m);
  });

  it("binds the old anchor and the second path: changing either fails", async () => {
    const variants: [string, (b: EvidenceBundle) => void][] = [
      ["old blockTimestamp", (b) => (b.anchor.blockTimestamp -= 1)],
      ["old txHash", (b) => (b.anchor.txHash = "0x" + "11".repeat(32))],
      ["reanchor proof", (b) => (b.reanchor!.proof = ["0x" + "22".repeat(32)])],
      ["reanchor block", (b) => (b.reanchor!.anchor.blockNumber += 1)],
      ["reanchor contract", (b) => (b.reanchor!.anchor.contract = "0x" + "33".repeat(20))],
    ];
    for (const [name, mutate] of variants) {
      const copy = structuredClone(bundle);
      mutate(copy);
      const verdict = await (await request(service, "/v1/verify", json(copy))).json();
      expect({ name, ok: verdict.ok }).toEqual({ name, ok: false });
    }
  });
  it("serves the old search receipt with the same second path: same field, same root of roots", () => {
    expect(receipt).toEqual({ ...receiptBefore, reanchor: { proof: [expect.stringMatching(/^0x[0-9a-f]{64}$/)], root: bundle.reanchor!.root, anchor: bundle.reanchor!.anchor } });
    expect(Object.keys(receipt)).toEqual(["format", "record", "digest", "leaf", "merkle", "anchor", "reanchor"]);
  });

  it("verifies the old receipt through the new chain, in the service and the CLI, saying which path it used", async () => {
    const verdict = await (await request(service, "/v1/verify", json(receipt))).json();
    expect(verdict).toMatchObject({ ok: true, trusted: true, path: "reanchor" });
    expect(verdict.checks.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(["digest", "leaf", "merkle", "reanchor-merkle", "reanchor-order", "reanchor-event", "deployment"]));
    expect(verdict.checks.find((c: { name: string }) => c.name === "anchor-path").detail).toContain(`confirmed on chain ${NEW_CHAIN_ID}; not readable: chain 31337`);
    expect(verdict.findings.chain).toContain(`block ${receipt.reanchor!.anchor.blockNumber} of chain ${NEW_CHAIN_ID}`);
    expect(verdict.findings.chain).toContain(`through the re-anchor of root ${receipt.merkle.root}`);
    expect(verdict.findings.deployment).toContain(`its record was first anchored at ${isoOfSeconds(receiptBefore.anchor.blockTimestamp)}`);
    expect(verdict.statement).toContain(`ran a search with image ${receipt.record.query.sha256}`);
    // Without its second path, the old receipt cannot be checked any more.
    expect((await (await request(service, "/v1/verify", json(receiptBefore))).json()).ok).toBe(false);

    const file = path.join(dir, "receipt.json");
    writeFileSync(file, JSON.stringify(receipt));
    const { stdout } = await run("node", [cli, "verify", file, "--rpc", chainB.rpcUrl, "--rpc", oldRpcUrl, "--trust", deploymentsFile]);
    expect(stdout).toMatch(/^VERIFIED \(anchor path: reanchor\)/m);
  });

  it("verifies the old receipt through the new chain on the /verify page too, whose only RPC is the new chain's", async () => {
    const http = await listen(service.app);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${http.url}/verify`);
      const requests: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      const file = path.join(dir, "receipt-for-page.json");
      writeFileSync(file, JSON.stringify(receipt));
      await page.setInputFiles("#evidence", file);
      await page.fill("#rpc", chainB.rpcUrl);
      await page.check("#trust-served");
      await page.click("#verify");
      await page.waitForFunction(() => ["ok", "chain", "fail"].includes(document.getElementById("result")!.className));
      expect(await page.textContent("#result")).toMatch(/^VERIFIED: Organisation .* ran a search with image/);
      expect(await page.textContent('[data-check="anchor-path"]')).toContain(`the re-anchor (root of roots) was confirmed on chain ${NEW_CHAIN_ID}`);
      expect(await page.textContent('[data-finding="deployment"]')).toContain("its record was first anchored at");
      expect(requests.filter((url) => url.startsWith(http.url))).toEqual([]);
    } finally {
      await browser.close();
      await http.close();
    }
  });

  it("fails the receipt after any single-byte change of its proof, its old anchor or its second path", async () => {
    const flipped = structuredClone(receipt);
    flipped.reanchor!.proof[0] = flipped.reanchor!.proof[0].slice(0, -1) + (flipped.reanchor!.proof[0].endsWith("0") ? "1" : "0");
    expect((await (await request(service, "/v1/verify", json(flipped))).json()).ok).toBe(false);
    const file = path.join(dir, "flipped-receipt.json");
    writeFileSync(file, JSON.stringify(flipped));
    const failed = await run("node", [cli, "verify", file, "--rpc", chainB.rpcUrl, "--trust", deploymentsFile]).then(() => 0, (e: { code: number }) => e.code);
    expect(failed).toBe(1);

    // Every byte from `merkle` on, with only the new chain readable and the service's deployments trusted: the
    // old anchor is bound only by the second path now, so this is where a forger would try.
    const read = chainFactsReader(chainB.provider);
    const seen = new Map<string, Promise<ChainFacts>>();
    const readChainFacts = (a: AnchorQuery) => {
      const key = `${a.chainId}:${a.contract}:${a.txHash}:${a.root}`;
      if (!seen.has(key)) seen.set(key, read(a));
      return seen.get(key)!;
    };
    const trust = { deployments: service.deps.deployments.file.deployments };
    expect(await verifyEvidence(receipt, { readChainFacts, trust })).toMatchObject({ ok: true, path: "reanchor" });
    const text = JSON.stringify(receipt);
    const accepted: string[] = [];
    for (let i = text.indexOf('"merkle":'); i < text.length; i++) {
      const c = text[i];
      for (const replacement of [/[0-9a-f]/.test(c) ? (c === "0" ? "1" : "0") : "a", c === "Z" ? "Y" : "Z"]) {
        let input: unknown;
        try {
          input = JSON.parse(text.slice(0, i) + replacement + text.slice(i + 1));
        } catch {
          continue;
        }
        if ((await verifyEvidence(input, { readChainFacts, trust })).ok) accepted.push(`byte ${i}: ${c} -> ${replacement}`);
      }
    }
    expect(accepted).toEqual([]);
  });
});
