import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainFactsReader } from "../src/chain/chain-facts";
import { createProvider } from "../src/chain/provider";
import type { AnchorQuery as AnchoredRoot } from "../src/core/verify";
import { canonicalJson } from "../src/core/canonical-json";
import { recordDigest, type SearchReceipt } from "../src/core/search-receipt";
import type { ChainFacts } from "../src/core/verify";
import { eq } from "drizzle-orm";
import { searchRecords } from "../src/db/schema";
import { toPixelGeometry } from "../src/matching/geometry";
import { purgeSearchRecords } from "../src/search/records";
import { verifyEvidence } from "../src/verifier/verify-evidence";
import { engines } from "./helpers/databases";
import { matchPictureInk } from "./helpers/match-picture";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";

const run = promisify(execFile);
const cli = path.join(__dirname, "../bin/imprint.cjs");

describe.each(engines)("search records and receipts on %s", (engine) => {
  let svc: TestService;
  let brand: { accountId: string; apiKey: string };
  let other: { apiKey: string };
  let copy: Buffer;

  const search = async (key: string, fields: Record<string, string> = {}) => {
    const res = await svc.request("/v1/search", { method: "POST", key, body: imageForm(copy, fields) });
    expect(res.status).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    svc = await startTestService(engine);
    brand = await svc.newSeller("brand");
    other = await svc.newSeller("other");
    const res = await svc.request("/v1/originals", {
      method: "POST",
      key: brand.apiKey,
      body: imageForm(fixture("aloe.webp"), { productId: "P-aloe", category: "plants", storeCountry: "DE" }),
    });
    expect(res.status).toBe(201);
    await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY });
    copy = await sharp(fixture("aloe.webp")).resize(500).jpeg({ quality: 70 }).toBuffer();
  });
  afterAll(() => svc?.stop());

  it("stores every search with its query, parameters and the hits exactly as answered", async () => {
    const answer = await search(brand.apiKey, { threshold: "90", category: "plants", limit: "3" });
    expect(answer.searchId).toMatch(/^srch_[0-9a-f]{24}$/);
    expect(answer.hits.length).toBe(1);
    const res = await svc.request(`/v1/searches/${answer.searchId}`, { key: brand.apiKey });
    expect(res.status).toBe(200);
    const record = await res.json();
    expect(record).toMatchObject({
      id: answer.searchId,
      searchedBy: { organisationId: brand.accountId, memberId: expect.stringMatching(/^mem_/) },
      query: { ...answer.query, thumbnailUrl: expect.stringContaining(`/v1/searches/${answer.searchId}/thumbnail`) },
      params: { scope: "all", threshold: 90, category: "plants", limit: 3 },
      receipt: "none",
    });
    expect(record.hits).toEqual(answer.hits);
    expect(Date.parse(record.searchedAt)).toBeLessThanOrEqual(Date.now());

    const thumbnail = await svc.request(new URL(record.query.thumbnailUrl).pathname);
    expect(thumbnail.status).toBe(200);
    expect((await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata()).format).toBe("webp");
  });

  it("keeps each hit's geometry, as the matcher produced it, beside the answered record, and serves its match picture at matchUrl", async () => {
    const answer = await search(brand.apiKey);
    const id = answer.searchId;
    const [hit] = answer.hits;
    expect(hit.matchUrl).toBe(`${svc.config.PUBLIC_BASE_URL}/v1/searches/${id}/hits/0/match.png`);
    expect(hit.geometry).toBeUndefined();
    const record = await (await svc.request(`/v1/searches/${id}`, { key: brand.apiKey })).json();
    expect(record.hits).toEqual(answer.hits);

    // The stored geometry is the matcher's own, for the same query (its verification is deterministic).
    const [row] = await svc.deps.db.select({ matches: searchRecords.hitMatches }).from(searchRecords).where(eq(searchRecords.id, id));
    const { fingerprint, features } = await svc.deps.analyser.forQuery(copy);
    const [matched] = await svc.deps.library!.matcher.search(features, { threshold: 85 });
    const imageId = new URL(hit.thumbnailUrl).pathname.split("/")[3];
    const meta = await sharp(fixture("aloe.webp")).metadata();
    expect(row.matches).toEqual([
      { imageId, geometry: toPixelGeometry(matched.geometry!, { width: fingerprint.width, height: fingerprint.height }, { width: meta.width!, height: meta.height! }) },
    ]);
    expect(row.matches![0].geometry!.queryPoints.length).toBe(matched.inliers);

    const res = await svc.request(new URL(hit.matchUrl).pathname, { key: brand.apiKey });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    const ink = await matchPictureInk(Buffer.from(await res.arrayBuffer()));
    expect(ink).toMatchObject({ format: "png", height: 256 });
    expect(ink.width).toBeGreaterThan(400);
    expect(ink.bytes).toBeGreaterThan(20_000);
    expect(ink.outline).toBeGreaterThan(100);
    expect(ink.lines).toBeGreaterThan(20);

    expect((await svc.request(new URL(hit.matchUrl).pathname, { key: other.apiKey })).status).toBe(404);
    expect((await svc.request(`/v1/searches/${id}/hits/1/match.png`, { key: brand.apiKey })).status).toBe(404);
    expect((await svc.request(`/v1/searches/${id}/hits/x/match.png`, { key: brand.apiKey })).status).toBe(400);
  });

  it("lists the organisation's records newest first with a cursor, and hides them from other organisations", async () => {
    const first = await search(brand.apiKey);
    const second = await search(brand.apiKey, { scope: "originals" });
    const page1 = await (await svc.request("/v1/searches?limit=1", { key: brand.apiKey })).json();
    expect(page1.items.map((r: { id: string }) => r.id)).toEqual([second.searchId]);
    const page2 = await (await svc.request(`/v1/searches?limit=1&cursor=${page1.nextCursor}`, { key: brand.apiKey })).json();
    expect(page2.items.map((r: { id: string }) => r.id)).toEqual([first.searchId]);

    expect((await svc.request(`/v1/searches/${first.searchId}`, { key: other.apiKey })).status).toBe(404);
    expect((await svc.request(`/v1/searches/${first.searchId}/seal`, { method: "POST", key: other.apiKey })).status).toBe(404);
    expect((await (await svc.request("/v1/searches", { key: other.apiKey })).json()).items).toEqual([]);
    expect((await svc.request("/v1/searches?cursor=bm9wZQ", { key: brand.apiKey })).status).toBe(400);
    expect((await svc.request("/v1/searches", { key: ADMIN_KEY })).status).toBe(403);
  });

  it("seals a record into the next batch and answers a receipt that verifies, over HTTP and with the CLI", async () => {
    const answer = await search(brand.apiKey);
    const id = answer.searchId;
    expect((await (await svc.request(`/v1/searches/${id}/receipt`, { key: brand.apiKey })).json()).status).toBe("none");
    const sealed = await svc.request(`/v1/searches/${id}/seal`, { method: "POST", key: brand.apiKey });
    expect(sealed.status).toBe(202);
    expect((await sealed.json()).receipt).toBe("pending");
    const pending = await svc.request(`/v1/searches/${id}/receipt`, { key: brand.apiKey });
    expect(pending.status).toBe(202);
    expect(await pending.json()).toEqual({ id, status: "pending" });

    // A registration pending at the same time shares the batch with the receipt.
    const reg = await svc.request("/v1/originals", {
      method: "POST",
      key: other.apiKey,
      body: imageForm(fixture("building.jpg"), { productId: "B", category: "c", storeCountry: "FR" }),
    });
    expect(reg.status).toBe(201);
    const anchored = await (await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY })).json();
    expect(anchored.batches).toHaveLength(1);
    expect(anchored.batches[0].leafCount).toBe(2);

    const res = await svc.request(`/v1/searches/${id}/receipt`, { key: brand.apiKey });
    expect(res.status).toBe(200);
    const receipt: SearchReceipt = await res.json();
    expect(receipt.format).toBe("imprint.search-receipt.v1");
    const { receipt: status, ...record } = await (await svc.request(`/v1/searches/${id}`, { key: brand.apiKey })).json();
    expect(status).toBe("anchored");
    expect(receipt.record).toEqual(record);
    expect(receipt.digest).toBe(recordDigest(canonicalJson(record)));
    expect(receipt.merkle.root).toBe(anchored.batches[0].root);

    const verdict = await (
      await svc.request("/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(receipt) })
    ).json();
    expect(verdict.ok).toBe(true);
    expect(verdict.checks.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(["format", "digest", "leaf", "merkle", "chain", "transaction", "event", "block-time", "anchored-at", "order"]),
    );
    // The chain proves the record existed by the block time; who searched is the record's claim, vouched for by no
    // deployment yet, and the verdict says so rather than naming the organisation as a fact.
    expect(verdict.statement).toContain(`Who searched (${brand.accountId}, per the record) is not vouched for`);

    // An evidence bundle from the same batch still verifies (the batch holds both kinds of leaves).
    const bundle = await (await svc.request(`/v1/originals/${(await reg.json()).id}/evidence`, { key: other.apiKey })).json();
    const bundleVerdict = await (
      await svc.request("/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(bundle) })
    ).json();
    expect(bundleVerdict.ok).toBe(true);

    if (engine !== "pglite") return;
    const dir = mkdtempSync(path.join(tmpdir(), "imprint-receipt-"));
    const file = path.join(dir, "receipt.json");
    writeFileSync(file, JSON.stringify(receipt, null, 2));
    // Every check passes, and the CLI exits 5 ("chain only"): no deployment vouches for a receipt's searcher yet.
    const chainOnly = (args: string[]) => run("node", [cli, "verify", file, "--rpc", svc.deps.chain.publicRpcUrl!, ...args]).then(
      () => ({ code: 0, stdout: "" }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    const ok = await chainOnly([]);
    expect(ok).toMatchObject({ code: 5, stdout: expect.stringContaining("CHAIN ONLY") });
    expect(ok.stdout).not.toMatch(/FAIL/);
    writeFileSync(path.join(dir, "q.jpg"), copy);
    const withImage = await chainOnly(["--image", path.join(dir, "q.jpg")]);
    expect(withImage.stdout).toMatch(/ok\s+image/);
  });

  it("purges records after SEARCH_RECORD_DAYS, except those whose receipt was asked for", async () => {
    const kept = await search(brand.apiKey);
    await svc.request(`/v1/searches/${kept.searchId}/seal`, { method: "POST", key: brand.apiKey });
    const dropped = await search(brand.apiKey);
    expect(await purgeSearchRecords(svc.deps.db, new Date(), svc.config.SEARCH_RECORD_DAYS)).toBe(0);
    const later = new Date(Date.now() + (svc.config.SEARCH_RECORD_DAYS + 1) * 86_400_000);
    expect(await purgeSearchRecords(svc.deps.db, later, svc.config.SEARCH_RECORD_DAYS)).toBeGreaterThanOrEqual(1);
    expect((await svc.request(`/v1/searches/${dropped.searchId}`, { key: brand.apiKey })).status).toBe(404);
    expect((await svc.request(`/v1/searches/${kept.searchId}`, { key: brand.apiKey })).status).toBe(200);
  });
});

describe("a search receipt under tampering", () => {
  let svc: TestService;
  let receipt: SearchReceipt;

  beforeAll(async () => {
    svc = await startTestService("pglite");
    const brand = await svc.newSeller("brand");
    for (const [i, name] of ["aloe.webp", "building.jpg"].entries()) {
      const form = imageForm(fixture(name), { productId: `P${i}`, category: "c", storeCountry: "FR" });
      expect((await svc.request("/v1/originals", { method: "POST", key: brand.apiKey, body: form })).status).toBe(201);
    }
    const query = await sharp(fixture("aloe.webp")).resize(400).jpeg({ quality: 60 }).toBuffer();
    const answer = await (await svc.request("/v1/search", { method: "POST", key: brand.apiKey, body: imageForm(query, { limit: "2" }) })).json();
    expect(answer.hits.length).toBeGreaterThanOrEqual(1);
    await svc.request(`/v1/searches/${answer.searchId}/seal`, { method: "POST", key: brand.apiKey });
    await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY });
    receipt = await (await svc.request(`/v1/searches/${answer.searchId}/receipt`, { key: brand.apiKey })).json();
    // Three leaves: the proof has steps to tamper with.
    expect(receipt.merkle.proof.length).toBeGreaterThanOrEqual(1);
  });
  afterAll(() => svc?.stop());

  it("fails verification after any single-byte change, at every byte of its JSON", async () => {
    const provider = createProvider(svc.deps.chain.publicRpcUrl!, { chainId: 31337 });
    const read = chainFactsReader(provider);
    // The chain's answers depend only on (contract, txHash, root): read each distinct triple once.
    const seen = new Map<string, Promise<ChainFacts>>();
    const readChainFacts = (a: AnchoredRoot) => {
      const key = `${a.chainId}:${a.contract}:${a.txHash}:${a.root}`;
      if (!seen.has(key)) seen.set(key, read(a));
      return seen.get(key)!;
    };
    expect((await verifyEvidence(receipt, { readChainFacts })).ok).toBe(true);

    const text = JSON.stringify(receipt);
    const accepted: string[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      const alternatives = [/[0-9a-f]/.test(c) ? (c === "0" ? "1" : "0") : c === "_" ? "-" : "a", c === "Z" ? "Y" : "Z"];
      for (const replacement of alternatives) {
        let input: unknown;
        try {
          input = JSON.parse(text.slice(0, i) + replacement + text.slice(i + 1));
        } catch {
          continue;
        }
        if ((await verifyEvidence(input, { readChainFacts })).ok) accepted.push(`byte ${i}: ${c} -> ${replacement}`);
      }
    }
    provider.destroy();
    expect(accepted).toEqual([]);
  });

  it("fails when the record is reordered, a hit dropped, or a field added", async () => {
    const provider = createProvider(svc.deps.chain.publicRpcUrl!, { chainId: 31337 });
    const readChainFacts = chainFactsReader(provider);
    const variants: [string, (r: SearchReceipt) => void][] = [
      ["hit dropped", (r) => r.record.hits.pop()],
      ["hit added", (r) => r.record.hits.push({ kind: "listing", id: "lst_x", similarity: 99 })],
      ["threshold", (r) => (r.record.params.threshold += 1)],
      ["organisation", (r) => (r.record.searchedBy.organisationId += "x")],
      ["searchedAt +1 ms", (r) => (r.record.searchedAt = new Date(Date.parse(r.record.searchedAt) + 1).toISOString())],
      ["extra field", (r) => Object.assign(r.record, { note: "trust me" })],
      ["as a bundle", (r) => Object.assign(r, { format: "imprint.evidence.v1" })],
    ];
    for (const [name, mutate] of variants) {
      const copy = structuredClone(receipt);
      mutate(copy);
      expect({ name, ok: (await verifyEvidence(copy, { readChainFacts })).ok }).toEqual({ name, ok: false });
    }
    provider.destroy();
  });
});
