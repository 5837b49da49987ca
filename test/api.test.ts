import { Contract } from "ethers";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PROVENANCE_ANCHOR_ABI } from "../src/chain/abi";
import { contractAnchorTarget } from "../src/chain/anchor-target";
import { createChainClient, createProvider } from "../src/chain/provider";
import type { EvidenceBundle } from "../src/core/bundle";
import { createApp } from "../src/http/app";
import { Batcher } from "../src/ledger/batcher";
import { engines } from "./helpers/databases";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";

const meta = { productId: "SKU-1", category: "shoes", storeCountry: "de" };

describe.each(engines)("the evidence API on %s with a real anvil", (engine) => {
  let svc: TestService;
  let seller: { accountId: string; apiKey: string };
  let other: { accountId: string; apiKey: string };

  beforeAll(async () => {
    svc = await startTestService(engine);
    seller = await svc.newSeller("Shop A");
    other = await svc.newSeller("Shop B");
  });
  afterAll(() => svc?.stop());

  const register = (key: string, bytes: Buffer | null, fields: Record<string, string> = meta, filename?: string) =>
    svc.request("/v1/originals", { method: "POST", key, body: imageForm(bytes, fields, filename) });

  describe("accounts and keys", () => {
    it("refuses requests without a key, with an unknown key, and seller keys on admin routes", async () => {
      expect((await svc.request("/v1/originals")).status).toBe(401);
      const unknown = await svc.request("/v1/originals", { key: "imp_nope" });
      expect(unknown.status).toBe(401);
      expect(await unknown.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
      const res = await svc.request("/v1/accounts", {
        method: "POST",
        key: seller.apiKey,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "x" }),
      });
      expect(res.status).toBe(403);
      expect((await res.json()).error.code).toBe("forbidden");
    });

    it("validates the account name", async () => {
      const res = await svc.request("/v1/accounts", {
        method: "POST",
        key: ADMIN_KEY,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "" }),
      });
      expect(res.status).toBe(400);
      expect((await res.json()).error.code).toBe("invalid_request");
    });
  });

  describe("registration", () => {
    it("registers an original with its hashes and a server timestamp, once per account and bytes", async () => {
      const before = Date.now();
      const res = await register(seller.apiKey, fixture("building.jpg"));
      expect(res.status).toBe(201);
      const body = await res.json();
      expect(body).toMatchObject({
        id: expect.stringMatching(/^reg_[0-9a-f]{24}$/),
        sha256: expect.stringMatching(/^0x[0-9a-f]{64}$/),
        pdq: expect.stringMatching(/^0x[0-9a-f]{64}$/),
        phash: expect.stringMatching(/^0x[0-9a-f]{16}$/),
        quality: expect.any(Number),
        status: "pending",
        productId: "SKU-1",
        storeCountry: "DE",
      });
      expect(body.registeredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(body.registeredAt)).toBeGreaterThanOrEqual(before);

      // The same bytes again answer the stored registration, exactly as the first answer described it.
      // Without analysing them again: the stored registration is found by the bytes' SHA-256 first.
      const analyses = vi.spyOn(svc.deps.analyser, "forLibrary");
      const again = await register(seller.apiKey, fixture("building.jpg"));
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual(body);
      expect(analyses).not.toHaveBeenCalled();
      analyses.mockRestore();
      expect(await (await svc.request(`/v1/originals/${body.id}`, { key: seller.apiKey })).json()).toEqual(body);

      const byOther = await register(other.apiKey, fixture("building.jpg"));
      expect(byOther.status).toBe(201);
      expect((await byOther.json()).id).not.toBe(body.id);
    });

    it("answers a new listing exactly as it is stored", async () => {
      const fields = { productId: "L-1", storeId: "store-1", storeCountry: "pl", category: "shoes", listedAt: "2026-11-30T08:09:10.123Z" };
      const res = await svc.request("/v1/listings", { method: "POST", key: other.apiKey, body: imageForm(fixture("aloe.webp"), fields, "a.webp") });
      expect(res.status).toBe(201);
      const body = await res.json();
      expect(body).toMatchObject({ productId: "L-1", storeId: "store-1", storeCountry: "PL", listedAt: fields.listedAt, delistedAt: null });
      expect(await (await svc.request(`/v1/listings/${body.id}`, { key: other.apiKey })).json()).toEqual(body);
    });

    it("accepts PNG and WebP, and serves the thumbnail as WebP", async () => {
      const png = await sharp(fixture("aloe.webp")).png().toBuffer();
      const res = await register(seller.apiKey, png, { ...meta, productId: "SKU-PNG" }, "a.png");
      expect(res.status).toBe(201);
      const webp = await register(seller.apiKey, fixture("aloe.webp"), { ...meta, productId: "SKU-WEBP" }, "a.webp");
      expect(webp.status).toBe(201);
      const thumb = await svc.request(new URL((await webp.json()).thumbnailUrl).pathname);
      expect(thumb.status).toBe(200);
      expect(thumb.headers.get("content-type")).toBe("image/webp");
      const meta2 = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
      expect(Math.max(meta2.width!, meta2.height!)).toBe(256);
    });

    it("answers bad input with one error shape", async () => {
      const cases: [Promise<Response>, number, string][] = [
        [register(seller.apiKey, fixture("building.jpg"), { category: "x", storeCountry: "DE" }), 400, "invalid_request"],
        [register(seller.apiKey, fixture("building.jpg"), { ...meta, storeCountry: "XX" }), 400, "invalid_request"],
        [register(seller.apiKey, null, meta), 400, "image_required"],
        [register(seller.apiKey, fixture("home-small.jpg"), meta), 422, "image_too_small"],
        [register(seller.apiKey, Buffer.from("just some text, not an image"), meta, "x.jpg"), 415, "unsupported_image_format"],
        [register(seller.apiKey, Buffer.alloc(6 * 1024 * 1024, 1), meta), 413, "payload_too_large"],
        [register(seller.apiKey, fixture("building.jpg").subarray(0, 5000), { ...meta, productId: "cut" }), 400, "invalid_image"],
      ];
      for (const [pending, status, code] of cases) {
        const res = await pending;
        const body = await res.json();
        expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
        expect(typeof body.error.message).toBe("string");
      }
      const both = imageForm(fixture("building.jpg"), { ...meta, url: "http://127.0.0.1:1/x.jpg" });
      const res = await svc.request("/v1/originals", { method: "POST", key: seller.apiKey, body: both });
      expect(res.status).toBe(400);
    });

    it("answers malformed requests with specific codes", async () => {
      const post = (headers: Record<string, string>, body: string) => svc.request("/v1/originals", { method: "POST", key: seller.apiKey, headers, body });
      const cases: [Promise<Response>, number, string][] = [
        [post({ "content-type": "application/json" }, "{}"), 415, "unsupported_media_type"],
        [post({ "content-type": "multipart/form-data; boundary=xyz" }, "--xyz\r\ngarbage"), 400, "malformed_body"],
        [svc.request("/v1/accounts", { method: "POST", key: ADMIN_KEY, headers: { "content-type": "application/json" }, body: "{" }), 400, "malformed_body"],
        [svc.request("/v1/originals?limit=0", { key: seller.apiKey }), 400, "invalid_request"],
        [svc.request("/v1/chain", { method: "DELETE" }), 404, "not_found"],
      ];
      for (const [pending, status, code] of cases) {
        const res = await pending;
        expect({ status: res.status, code: (await res.json()).error?.code }).toEqual({ status, code });
      }
    });

    it("keeps one registration when the same bytes arrive concurrently", async () => {
      const bytes = await sharp(fixture("aloe.webp")).rotate(90).jpeg().toBuffer();
      const answers = await Promise.all([1, 2, 3].map(() => register(seller.apiKey, bytes, { ...meta, productId: "RACE" })));
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 201]);
      const ids = new Set(await Promise.all(answers.map(async (r) => (await r.json()).id)));
      expect(ids.size).toBe(1);
    });

    it("shows a registration to its owner only and pages through the owner's list", async () => {
      const list = await (await svc.request("/v1/originals?limit=1", { key: seller.apiKey })).json();
      expect(list.items).toHaveLength(1);
      expect(list.nextCursor).toEqual(expect.any(String));
      const next = await (await svc.request(`/v1/originals?limit=1&cursor=${list.nextCursor}`, { key: seller.apiKey })).json();
      expect(next.items[0].id).not.toBe(list.items[0].id);
      const all = await (await svc.request("/v1/originals?limit=100", { key: seller.apiKey })).json();
      expect(all.items.every((o: { accountId: string }) => o.accountId === seller.accountId)).toBe(true);

      const id = list.items[0].id;
      expect((await svc.request(`/v1/originals/${id}`, { key: seller.apiKey })).status).toBe(200);
      expect((await svc.request(`/v1/originals/${id}`, { key: other.apiKey })).status).toBe(404);
      expect((await svc.request(`/v1/originals?cursor=garbage`, { key: seller.apiKey })).status).toBe(400);
    });
  });

  describe("anchoring, evidence and verification", () => {
    let id: string;
    let bundle: EvidenceBundle;

    beforeAll(async () => {
      const res = await register(seller.apiKey, fixture("aloe.webp"), { ...meta, productId: "SKU-EVIDENCE" }, "aloe.webp");
      id = (await res.json()).id;
    });

    it("answers 202 with the status before anchoring", async () => {
      const res = await svc.request(`/v1/originals/${id}/evidence`, { key: seller.apiKey });
      expect(res.status).toBe(202);
      expect(await res.json()).toMatchObject({ id, status: "pending" });
    });

    it("seals and anchors on demand, then hands out a bundle whose proof the contract accepts", async () => {
      const anchored = await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY });
      expect(anchored.status).toBe(200);
      const run = await anchored.json();
      expect(run.errors).toEqual([]);
      expect(run.batches).toHaveLength(1);
      expect(run.batches[0].leafCount).toBeGreaterThanOrEqual(4);

      const res = await svc.request(`/v1/originals/${id}/evidence`, { key: other.apiKey });
      expect(res.status).toBe(200);
      bundle = await res.json();
      expect(bundle).toMatchObject({
        format: "imprint.evidence.v1",
        registration: { id, accountId: seller.accountId },
        anchor: { chainId: 31337, contract: svc.deps.chain.contract, txHash: run.batches[0].txHash },
      });
      expect((await (await svc.request(`/v1/originals/${id}`, { key: seller.apiKey })).json()).status).toBe("anchored");

      const provider = createProvider(svc.deps.chain.publicRpcUrl!, { chainId: 31337 });
      const contract = new Contract(bundle.anchor.contract, PROVENANCE_ANCHOR_ABI, provider);
      expect(await contract.getFunction("verify")(bundle.merkle.root, bundle.merkle.proof, bundle.leaf)).toBe(true);
      expect(await contract.getFunction("verify")(bundle.merkle.root, bundle.merkle.proof, bundle.registration.sha256)).toBe(false);
      provider.destroy();

      const chain = await (await svc.request("/v1/chain")).json();
      expect(chain).toEqual({ chainId: 31337, contract: bundle.anchor.contract, rpcUrl: svc.deps.chain.publicRpcUrl, confirmations: 1 });
    });

    it("anchors nothing when nothing is pending", async () => {
      const run = await (await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY })).json();
      expect(run).toEqual({ batches: [], errors: [] });
    });

    it("verifies the bundle over HTTP, with the exact image and with an edited copy", async () => {
      const plain = await svc.request("/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(bundle) });
      const verdict = await plain.json();
      expect(verdict.ok).toBe(true);
      expect(verdict.checks.map((c: { name: string }) => c.name)).toEqual(
        expect.arrayContaining(["format", "leaf", "id", "merkle", "chain", "transaction", "event", "block-time", "anchored-at"]),
      );
      expect(verdict.statement).toContain(seller.accountId);

      const withImage = async (image: Buffer) => {
        const form = new FormData();
        form.set("bundle", JSON.stringify(bundle));
        form.set("image", new Blob([new Uint8Array(image)]), "x");
        return (await svc.request("/v1/verify", { method: "POST", body: form })).json();
      };
      const exact = await withImage(fixture("aloe.webp"));
      expect(exact.ok).toBe(true);
      expect(exact.checks.find((c: { name: string }) => c.name === "image").detail).toContain("exact bytes");

      const edited = await withImage(await sharp(fixture("aloe.webp")).resize(450).jpeg({ quality: 60 }).toBuffer());
      expect(edited.ok).toBe(true);
      expect(edited.checks.find((c: { name: string }) => c.name === "image").detail).toContain("similar copy");

      const different = await withImage(fixture("building.jpg"));
      expect(different.ok).toBe(false);
    });

    it("refuses a bundle that is not JSON with a clear error", async () => {
      const res = await svc.request("/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
      expect(res.status).toBe(400);
      expect((await res.json()).error.code).toBe("invalid_json");
    });
  });

  describe("when the chain is down", () => {
    it("answers 503 chain_unavailable to anchor-now rather than 200 with errors, and /readyz says the chain is unreachable", async () => {
      const bytes = await sharp(fixture("smarties.png")).resize({ height: 640 }).jpeg().toBuffer();
      expect((await register(seller.apiKey, bytes)).status).toBe(201);
      const dead = createChainClient({ rpcUrl: "http://127.0.0.1:9", privateKey: "0x" + "11".repeat(32), chainId: 31337 });
      const target = contractAnchorTarget(dead.wallet, { chainId: 31337, contract: svc.deps.chain.contract, confirmations: 1, timeoutMs: 2_000, fromBlock: 0 });
      const app = createApp({ ...svc.deps, batcher: new Batcher(svc.deps.db, target, { intervalMs: 60_000, maxBatch: 100 }), chainStatus: () => ({ reachable: false }) });
      const res = await app.request("/v1/admin/anchor", { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("10");
      const body = await res.json();
      expect(body.error).toMatchObject({ code: "chain_unavailable", details: { sealed: 1, failed: 1 } });
      expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|fetch failed|ethers/i); // library text stays in the log
      const ready = await app.request("/readyz");
      expect(ready.status).toBe(503);
      expect((await ready.json()).chain).toEqual({ reachable: false });
      dead.provider.destroy();
      // The real chain takes the batch that stayed sealed.
      const run = await (await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY })).json();
      expect(run.batches).toHaveLength(1);
      expect((await svc.request("/readyz")).status).toBe(200);
    });
  });
});
