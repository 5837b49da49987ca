import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { silentLogger } from "../src/observability/logger";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/client";
import { createApp } from "../src/http/app";
import { featureLoader } from "../src/library/images";
import { createMatcher } from "../src/matching/matcher";
import { LibraryIndex } from "../src/search/library-index";
import { purgeDelisted } from "../src/library/listings";
import { startServices, type Services } from "../src/services";
import { engines } from "./helpers/databases";
import { matchPictureInk } from "./helpers/match-picture";
import { logoed, rotatedCrop } from "./helpers/edits";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";
import { collage } from "./helpers/collage";

describe.each(engines)("search on %s", (engine) => {
  let svc: TestService;
  let seller: { apiKey: string };
  let store: { apiKey: string };
  const ids: Record<string, string> = {};

  const search = async (bytes: Buffer, fields: Record<string, string> = {}) => {
    const res = await svc.request("/v1/search", { method: "POST", key: store.apiKey, body: imageForm(bytes, fields) });
    return { status: res.status, body: await res.json() };
  };
  const list = async (bytes: Buffer, fields: Record<string, string>) => {
    const res = await svc.request("/v1/listings", {
      method: "POST",
      key: store.apiKey,
      body: imageForm(bytes, { productId: "L", storeId: "store-9", storeCountry: "PL", category: "plants", ...fields }),
    });
    expect(res.status).toBe(201);
    return res.json();
  };

  beforeAll(async () => {
    svc = await startTestService(engine);
    seller = await svc.newSeller("brand");
    store = await svc.newSeller("marketplace");
    for (const [name, category] of [["aloe.webp", "plants"], ["building.jpg", "architecture"]]) {
      const res = await svc.request("/v1/originals", {
        method: "POST",
        key: seller.apiKey,
        body: imageForm(fixture(name), { productId: `P-${name}`, category, storeCountry: "DE" }, name),
      });
      ids[name] = (await res.json()).id;
    }
    await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY });
    ids.recentListing = (await list(await logoed(fixture("aloe.webp")), { productId: "L-recent" })).id;
    const old = new Date(Date.now() - 200 * 86_400_000).toISOString();
    ids.oldListing = (await list(await rotatedCrop(fixture("aloe.webp")), { productId: "L-old", listedAt: old })).id;
  });
  afterAll(() => svc?.stop());

  it("finds the anchored original of an evasive copy, tagged stored-as-evidence with a bundle that verifies", async () => {
    const { status, body } = await search(await rotatedCrop(fixture("aloe.webp")), { scope: "originals" });
    expect(status).toBe(200);
    expect(body.query.sha256).toMatch(/^0x[0-9a-f]{64}$/);
    const [top] = body.hits;
    expect(top).toMatchObject({ kind: "original", id: ids["aloe.webp"], productId: "P-aloe.webp", storeCountry: "DE", category: "plants", yours: false });
    expect(top.similarity).toBeGreaterThanOrEqual(92);
    expect(top.evidence.status).toBe("stored-as-evidence");
    const bundle = await (await svc.request(new URL(top.evidence.bundleUrl).pathname, { key: store.apiKey })).json();
    expect(bundle.merkle.root).toBe(top.evidence.root);
    const verdict = await (await svc.request("/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(bundle) })).json();
    expect(verdict.ok).toBe(true);
    expect((await svc.request(new URL(top.thumbnailUrl).pathname)).status).toBe(200);
  });

  it("finds an original inside a collage and says where it sits (region, in query pixels)", async () => {
    const placed = await collage(fixture("building.jpg"), { share: 0.4 });
    const { status, body } = await search(placed.bytes, { scope: "originals" });
    expect(status).toBe(200);
    const [top] = body.hits;
    expect(top).toMatchObject({ id: ids["building.jpg"] });
    expect(top.similarity).toBeGreaterThanOrEqual(85);
    expect(top.region).toHaveLength(4);
    (top.region as [number, number][]).forEach(([x, y], k) => expect(Math.hypot(x - placed.corners[k][0], y - placed.corners[k][1])).toBeLessThan(28));
    expect(top.geometry).toBeUndefined(); // the inlier pairs are kept beside the search record (matchUrl), not in the answer
  });

  it("searches listings and originals by scope", async () => {
    const query = await logoed(await rotatedCrop(fixture("aloe.webp")));
    const all = (await search(query, { scope: "all", limit: "10" })).body.hits;
    expect(all.map((h: { id: string }) => h.id).sort()).toEqual([ids["aloe.webp"], ids.recentListing, ids.oldListing].sort());
    for (const h of all) expect(h.similarity).toBeGreaterThanOrEqual(85);
    expect(all.find((h: { kind: string }) => h.kind === "listing").evidence).toBeNull();
    expect(all.find((h: { kind: string }) => h.kind === "listing").listedAt).toEqual(expect.any(String));
    // Whose each hit is, as the searcher sees it: the marketplace listed both listings, the brand registered the original.
    expect(Object.fromEntries(all.map((h: { id: string; yours: boolean }) => [h.id, h.yours]))).toEqual({ [ids["aloe.webp"]]: false, [ids.recentListing]: true, [ids.oldListing]: true });
    const bySeller = await svc.request("/v1/search", { method: "POST", key: seller.apiKey, body: imageForm(query, { scope: "originals" }) });
    expect((await bySeller.json()).hits.map((h: { id: string; yours: boolean }) => [h.id, h.yours])).toEqual([[ids["aloe.webp"], true]]);

    const recent = (await search(query, { scope: "recent", limit: "10" })).body.hits;
    expect(recent.map((h: { id: string }) => h.id)).toEqual([ids.recentListing]);
    const originals = (await search(query, { scope: "originals", limit: "10" })).body.hits;
    expect(originals.map((h: { id: string }) => h.id)).toEqual([ids["aloe.webp"]]);
  });

  it("filters by category, honours threshold and limit, and finds nothing for an unrelated photo", async () => {
    const query = await rotatedCrop(fixture("aloe.webp"));
    const architecture = (await search(query, { category: "architecture" })).body.hits;
    expect(architecture.map((h: { productId: string; similarity: number }) => `${h.productId} ${h.similarity}`)).toEqual([]);
    expect((await search(query, { category: "PLANTS", limit: "1" })).body.hits).toHaveLength(1);
    // The byte-identical copy (the old listing was made from the same edit) ranks first among scores of 100.
    const certain = (await search(query, { threshold: "100", limit: "10" })).body.hits;
    expect(certain[0].id).toBe(ids.oldListing);
    for (const h of certain) expect(h.similarity).toBe(100);
    const exact = (await search(fixture("aloe.webp"), { threshold: "100", scope: "originals" })).body.hits;
    expect(exact.map((h: { id: string; similarity: number }) => [h.id, h.similarity])).toEqual([[ids["aloe.webp"], 100]]);
    const unrelated = (await search(fixture("smarties.png"), { limit: "10" })).body.hits;
    expect(unrelated.map((h: { productId: string; similarity: number }) => `${h.productId} ${h.similarity}`)).toEqual([]);
  });

  it("copes with a featureless image: registered (with a quality warning), found by its exact bytes, no false hits", async () => {
    const blank = await sharp({ create: { width: 700, height: 700, channels: 3, background: "#f4f4f4" } }).png().toBuffer();
    const res = await svc.request("/v1/originals", { method: "POST", key: seller.apiKey, body: imageForm(blank, { productId: "BLANK", category: "c", storeCountry: "DE" }) });
    expect(res.status).toBe(201);
    expect((await res.json()).warnings).toContain("low_pdq_quality");
    const exact = await search(blank);
    expect(exact.status).toBe(200);
    expect(exact.body.hits.map((h: { productId: string; similarity: number }) => [h.productId, h.similarity])).toEqual([["BLANK", 100]]);
    // Found by its bytes alone, without geometry: its match picture shows the two images side by side, no lines.
    const picture = await svc.request(new URL(exact.body.hits[0].matchUrl).pathname, { key: store.apiKey });
    expect(picture.status).toBe(200);
    const ink = await matchPictureInk(Buffer.from(await picture.arrayBuffer()));
    expect(ink).toMatchObject({ format: "png", width: 256 + 16 + 256, height: 256, outline: 0, lines: 0 });
    const grey = await sharp({ create: { width: 700, height: 700, channels: 3, background: "#808080" } }).png().toBuffer();
    expect((await search(grey)).body.hits).toEqual([]);
  });

  it("accepts queries down to 128 px with a warning and refuses smaller ones", async () => {
    const small = await search(await sharp(fixture("building.jpg")).resize(260).jpeg().toBuffer(), { scope: "originals" });
    expect(small.status).toBe(200);
    expect(small.body.warnings).toEqual(["low_resolution"]);
    const tiny = await search(await sharp(fixture("building.jpg")).resize(100).jpeg().toBuffer());
    expect(tiny.status).toBe(422);
    expect(tiny.body.error.code).toBe("image_too_small");
    const bad = await search(fixture("building.jpg"), { scope: "everything" });
    expect(bad.status).toBe(400);
  });

  it("tags a registration that is not anchored yet as pending", async () => {
    const fresh = await sharp(fixture("building.jpg")).flop().jpeg().toBuffer();
    await svc.request("/v1/originals", { method: "POST", key: seller.apiKey, body: imageForm(fresh, { productId: "P-new", category: "architecture", storeCountry: "DE" }) });
    // The mirrored original matches too; the byte-identical registration ranks first.
    const hit = (await search(fresh, { threshold: "100" })).body.hits[0];
    expect(hit.productId).toBe("P-new");
    expect(hit.evidence).toEqual({ status: "pending" });
  });

  it("keeps delisted listings searchable until their retention ends, then purges them", async () => {
    const res = await svc.request(`/v1/listings/${ids.recentListing}/delist`, { method: "POST", key: store.apiKey });
    expect(res.status).toBe(200);
    const delistedAt = Date.parse((await res.json()).delistedAt);
    const query = await logoed(fixture("aloe.webp"));
    const before = (await search(query, { scope: "recent" })).body.hits.map((h: { id: string }) => h.id);
    expect(before).toContain(ids.recentListing);

    expect(await purgeDelisted(svc.deps.db, new Date(delistedAt + 547 * 86_400_000), 548)).toEqual([]);
    const purged = await purgeDelisted(svc.deps.db, new Date(delistedAt + 549 * 86_400_000), 548);
    expect(purged).toHaveLength(1);
    const after = (await search(query, { scope: "all", limit: "10" })).body.hits.map((h: { id: string }) => h.id);
    expect(after).not.toContain(ids.recentListing);
    expect(after).toContain(ids["aloe.webp"]);
    expect((await svc.request(`/v1/listings/${ids.recentListing}`, { key: store.apiKey })).status).toBe(404);
  });

  it("answers 503 index_loading (and /readyz 503) until its index has loaded, then searches", async () => {
    // A process whose index has not finished its first read: everything else serves, search waits.
    const library = new LibraryIndex(svc.deps.db, createMatcher({ loadFeatures: featureLoader(svc.deps.db) }), { expectedImages: 5 });
    const app = createApp({ ...svc.deps, library });
    const searchOn = () => app.request("/v1/search", { method: "POST", headers: { authorization: `Bearer ${store.apiKey}` }, body: imageForm(fixture("aloe.webp"), {}) });
    try {
      const refused = await searchOn();
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("10");
      expect((await refused.json()).error).toMatchObject({ code: "index_loading", details: { state: "loading", images: 0, expectedImages: 5 } });
      const notReady = await app.request("/readyz");
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({ ready: false, index: { state: "loading" } });
      expect((await app.request("/v1/chain")).status).toBe(200);

      library.start();
      expect(await library.whenLoaded(10_000)).toBe(true);
      const ready = await app.request("/readyz");
      expect(ready.status).toBe(200);
      expect((await ready.json()).index).toMatchObject({ state: "ready", images: library.size });
      const found = await searchOn();
      expect(found.status).toBe(200);
      expect((await found.json()).hits[0]).toMatchObject({ id: ids["aloe.webp"] });
    } finally {
      await library.stop();
    }
  });

  it("loads a library of many pages (the next read overlapping the indexing) like one read, and stops mid-load", async () => {
    const load = async (pageSize: number) => {
      const library = new LibraryIndex(svc.deps.db, createMatcher({ loadFeatures: featureLoader(svc.deps.db) }), { pageSize });
      library.start();
      expect(await library.whenLoaded(10_000)).toBe(true);
      await library.stop();
      return library;
    };
    const whole = await load(2_000);
    expect(whole.size).toBeGreaterThanOrEqual(4);
    for (const pageSize of [1, 3]) {
      const paged = await load(pageSize);
      expect(paged.size).toBe(whole.size);
      expect(paged.matcher.size).toBe(whole.matcher.size);
      // An original's image id is its registration id under the img_ prefix (src/ledger/originals.ts).
      for (const image of [ids["aloe.webp"], ids["building.jpg"]].map((id) => "img_" + id.slice(4))) {
        expect(paged.get(image)).toBeDefined();
        expect(paged.get(image)).toEqual(whole.get(image));
      }
    }
    // A stop right after the start ends the load between pages, with no read left running.
    const stopped = new LibraryIndex(svc.deps.db, createMatcher({ loadFeatures: featureLoader(svc.deps.db) }), { pageSize: 1 });
    stopped.start();
    await stopped.stop();
    expect(stopped.status.state).toBe("loading");
    expect(stopped.size).toBeLessThan(whole.size);
  });
});

describe("two API processes on one PostgreSQL", () => {
  it("see each other's registrations within a second", async () => {
    const a = await startTestService("postgres");
    // A DATA_DIR of its own, as every process has: the embedded chain's state there is one process's (README,
    // Operations).
    const bDir = mkdtempSync(path.join(tmpdir(), "imprint-second-process-"));
    let b: Services | undefined;
    try {
      b = await startServices(
        { ...a.config, DATA_DIR: bDir },
        {
          database: await openDatabase({ engine: "postgres", url: (a.database as { url?: string }).url ?? "" }),
          startBatcher: false,
          indexPollMs: 200,
          log: silentLogger,
        },
      );
      const seller = await a.newSeller();
      const res = await a.request("/v1/originals", { method: "POST", key: seller.apiKey, body: imageForm(fixture("aloe.webp"), { productId: "X", category: "c", storeCountry: "DE" }) });
      expect(res.status).toBe(201);
      // Committed now: from here the other process has a second to make it searchable.
      const registered = Date.now();
      let found = false;
      while (!found && Date.now() - registered < 1_000) {
        const hits = await b.app.request("/v1/search", {
          method: "POST",
          headers: { authorization: `Bearer ${seller.apiKey}` },
          body: imageForm(await rotatedCrop(fixture("aloe.webp")), {}),
        });
        found = (await hits.json()).hits.length === 1;
      }
      expect(found).toBe(true);
    } finally {
      await b?.close();
      await b?.database.close();
      await a.stop();
      rmSync(bDir, { recursive: true, force: true });
    }
  });
});
