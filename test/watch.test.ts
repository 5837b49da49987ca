import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, inArray } from "drizzle-orm";
import { alerts, images, watchUploads } from "../src/db/schema";
import { toPixelGeometry } from "../src/matching/geometry";
import { WATCH_JOB, watchStatements } from "../src/use-cases/watch";
import { writeTogether } from "../src/db/write-together";
import { matchNewImage } from "../src/watch/match";
import { keepUpload } from "../src/watch/uploads";
import { enqueueJob } from "../src/jobs/queue";
import { engines } from "./helpers/databases";
import { jobsDrained } from "./helpers/jobs";
import { matchPictureInk } from "./helpers/match-picture";
import { logoed } from "./helpers/edits";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";

describe.each(engines)("watch alerts on %s", (engine) => {
  let svc: TestService;
  let brand: { accountId: string; apiKey: string };
  let store: { accountId: string; apiKey: string };
  let rival: { accountId: string; apiKey: string };
  let aloeOriginal: { id: string; productId: string; thumbnailUrl: string };
  let buildingOriginal: { id: string };
  /** A listing of the store's, made before anyone registered its image. */
  let smartiesListing: { id: string; listedAt: string; thumbnailUrl: string };

  const post = (path: string, key: string, form: FormData) => svc.request(path, { method: "POST", key, body: form });
  const list = async (key: string, bytes: Buffer, productId: string) => {
    const res = await post("/v1/listings", key, imageForm(bytes, { productId, storeId: "store-1", storeCountry: "PL", category: "plants" }));
    expect(res.status).toBe(201);
    return res.json();
  };
  const alertsOf = async (key: string, query = "") => (await (await svc.request(`/v1/alerts${query}`, { key })).json()).items;
  const settle = () => jobsDrained(svc.deps.db, WATCH_JOB);

  beforeAll(async () => {
    svc = await startTestService(engine, { JOB_POLL_MS: "100" });
    brand = await svc.newSeller("brand");
    store = await svc.newSeller("store");
    rival = await svc.newSeller("rival");
    const res = await post("/v1/originals", brand.apiKey, imageForm(fixture("aloe.webp"), { productId: "P-aloe", category: "plants", storeCountry: "DE" }));
    expect(res.status).toBe(201);
    aloeOriginal = await res.json();
    buildingOriginal = await (await post("/v1/originals", brand.apiKey, imageForm(fixture("building.jpg"), { productId: "P-building", category: "c", storeCountry: "DE" }))).json();
    await settle();
  });
  afterAll(() => svc?.stop());

  it("alerts the original's organisation, off the request path, when another organisation lists a copy", async () => {
    const listing = await list(store.apiKey, await logoed(fixture("aloe.webp")), "L-copy");
    await settle();
    const alerts = await alertsOf(brand.apiKey);
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    expect(alert).toEqual({
      id: expect.stringMatching(/^alr_[0-9a-f]{24}$/),
      createdAt: expect.any(String),
      kind: "match",
      original: { id: aloeOriginal.id, productId: "P-aloe", thumbnailUrl: aloeOriginal.thumbnailUrl },
      match: {
        kind: "listing",
        id: listing.id,
        productId: "L-copy",
        storeId: "store-1",
        storeCountry: "PL",
        listedAt: listing.listedAt,
        similarity: expect.any(Number),
        thumbnailUrl: listing.thumbnailUrl,
      },
      matchUrl: `${svc.config.PUBLIC_BASE_URL}/v1/alerts/${alert.id}/match.png`,
      status: "new",
    });
    expect(alert.match.similarity).toBeGreaterThanOrEqual(92);
    // The lister is not alerted, and nobody sees another organisation's alerts.
    expect(await alertsOf(store.apiKey)).toEqual([]);
    expect((await svc.request(`/v1/alerts/${alert.id}`, { method: "PATCH", key: store.apiKey, headers: { "content-type": "application/json" }, body: '{"status":"dismissed"}' })).status).toBe(404);
  });

  it("records the matcher's geometry with the alert and serves its match picture at matchUrl, to the alerted organisation only", async () => {
    const [alert] = await alertsOf(brand.apiKey);
    const imageId = (url: string) => new URL(url).pathname.split("/")[3];
    const listingImage = imageId(alert.match.thumbnailUrl);
    const original = await (await svc.request(`/v1/originals/${alert.original.id}`, { key: brand.apiKey })).json();
    const originalImage = imageId(original.thumbnailUrl);

    // What the matcher finds for the listed bytes, analysed as the watch job analyses them (as a search query),
    // against that original, restated in pixels.
    const { features } = await svc.deps.analyser.forQuery(await logoed(fixture("aloe.webp")));
    const [hit] = await svc.deps.library!.matcher.rank(features, (id) => id === originalImage);
    const sizes = await svc.deps.db.select({ id: images.id, width: images.width, height: images.height }).from(images).where(inArray(images.id, [listingImage, originalImage]));
    const size = (id: string) => {
      const { width, height } = sizes.find((s) => s.id === id)!;
      return { width, height };
    };
    const [row] = await svc.deps.db.select({ geometry: alerts.geometry }).from(alerts).where(eq(alerts.id, alert.id));
    expect(row.geometry).toEqual(toPixelGeometry(hit.geometry!, size(listingImage), size(originalImage)));
    expect(row.geometry!.queryPoints.length).toBe(hit.inliers);

    const res = await svc.request(new URL(alert.matchUrl).pathname, { key: brand.apiKey });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    const ink = await matchPictureInk(Buffer.from(await res.arrayBuffer()));
    expect(ink).toMatchObject({ format: "png", height: 256 });
    expect(ink.bytes).toBeGreaterThan(20_000);
    expect(ink.outline).toBeGreaterThan(100);
    expect(ink.lines).toBeGreaterThan(20);
    for (const key of [store.apiKey, rival.apiKey]) expect((await svc.request(new URL(alert.matchUrl).pathname, { key })).status).toBe(404);
  });

  it("never alerts the same pair twice, and never alerts an organisation about its own listings", async () => {
    const [alert] = await alertsOf(brand.apiKey);
    const imageId = new URL(alert.match.thumbnailUrl).pathname.split("/")[3];
    await writeTogether(svc.deps.db, watchStatements(svc.deps.db, imageId));
    svc.deps.wakeJobs?.(WATCH_JOB);
    await list(brand.apiKey, await logoed(fixture("aloe.webp")), "own-listing");
    smartiesListing = await list(store.apiKey, fixture("smarties.png"), "unrelated");
    await settle();
    expect(await alertsOf(brand.apiKey)).toHaveLength(1);
  });

  it("alerts about an original registered by another organisation, as kind original", async () => {
    const copy = await sharp(fixture("aloe.webp")).resize(900).jpeg({ quality: 85 }).toBuffer();
    const res = await post("/v1/originals", rival.apiKey, imageForm(copy, { productId: "R-aloe", category: "plants", storeCountry: "FR" }));
    expect(res.status).toBe(201);
    const registered = await res.json();
    await settle();
    const alerts = await alertsOf(brand.apiKey);
    expect(alerts).toHaveLength(2);
    expect(alerts[0].match).toMatchObject({ kind: "original", id: registered.id, productId: "R-aloe", storeCountry: "FR", registeredAt: registered.registeredAt });
    expect(alerts[0].match.storeId).toBeUndefined();
    // Both directions: the rival, registering later, is alerted of the brand's earlier original, and of the
    // listings of others that copy its own; never of its own images.
    const rivals = await alertsOf(rival.apiKey);
    expect(rivals).toContainEqual(expect.objectContaining({ original: expect.objectContaining({ id: registered.id, productId: "R-aloe" }), match: expect.objectContaining({ kind: "original", id: aloeOriginal.id }) }));
    expect(rivals.every((a: { original: { id: string } }) => a.original.id === registered.id)).toBe(true);
    expect(rivals.filter((a: { match: { kind: string } }) => a.match.kind === "listing").length).toBeGreaterThan(0);
  });

  it("lets the IP centre acknowledge or dismiss alerts and filter them by status, with a cursor", async () => {
    const [newest, oldest] = await alertsOf(brand.apiKey);
    const patch = (id: string, body: unknown) =>
      svc.request(`/v1/alerts/${id}`, { method: "PATCH", key: brand.apiKey, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const acked = await patch(oldest.id, { status: "acknowledged" });
    expect(acked.status).toBe(200);
    expect((await acked.json()).status).toBe("acknowledged");
    expect((await patch(oldest.id, { status: "gone" })).status).toBe(400);
    expect((await alertsOf(brand.apiKey, "?status=new")).map((a: { id: string }) => a.id)).toEqual([newest.id]);
    expect((await alertsOf(brand.apiKey, "?status=acknowledged")).map((a: { id: string }) => a.id)).toEqual([oldest.id]);
    // `all`, as the portal's filter offers it, is no filter; anything else is refused in our words.
    expect((await alertsOf(brand.apiKey, "?status=all")).map((a: { id: string }) => a.id)).toEqual([newest.id, oldest.id]);
    const unknown = await svc.request("/v1/alerts?status=everything", { key: brand.apiKey });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error).toMatchObject({ code: "invalid_request", message: "status: must be one of new, acknowledged, dismissed, all" });
    const page1 = await (await svc.request("/v1/alerts?limit=1", { key: brand.apiKey })).json();
    const page2 = await (await svc.request(`/v1/alerts?limit=1&cursor=${page1.nextCursor}`, { key: brand.apiKey })).json();
    expect([...page1.items, ...page2.items].map((a: { id: string }) => a.id)).toEqual([newest.id, oldest.id]);
    expect(page2.nextCursor).toBeNull();
    expect((await svc.request("/v1/alerts", { key: ADMIN_KEY })).status).toBe(403);
  });

  it("PATCH /v1/alerts/:id moves an alert between every status, and refuses bad input, other organisations and members", async () => {
    const [alert] = await alertsOf(brand.apiKey);
    const patch = (id: string, key: string, body: string) => svc.request(`/v1/alerts/${id}`, { method: "PATCH", key, headers: { "content-type": "application/json" }, body });
    const statusOf = async (id: string) => (await alertsOf(brand.apiKey)).find((a: { id: string }) => a.id === id).status;
    const manager = await (await svc.request("/v1/members", { method: "POST", key: brand.apiKey, headers: { "content-type": "application/json" }, body: '{"name":"IP","role":"ip-manager"}' })).json();
    const member = await (await svc.request("/v1/members", { method: "POST", key: brand.apiKey, headers: { "content-type": "application/json" }, body: '{"name":"Shop","role":"member"}' })).json();

    // Every transition, either way, by the owner or an ip-manager; the answer is the alert as listed.
    for (const [status, key] of [["acknowledged", brand.apiKey], ["dismissed", manager.apiKey], ["new", brand.apiKey], ["dismissed", brand.apiKey], ["acknowledged", manager.apiKey], ["acknowledged", brand.apiKey]] as const) {
      const res = await patch(alert.id, key, JSON.stringify({ status }));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ...alert, status });
      expect(await statusOf(alert.id)).toBe(status);
    }

    // Bad input: a 400 in the error shape, and the alert unchanged.
    const bad: [string, string][] = [
      ['{"status":"gone"}', "invalid_request"],
      ['{"status":""}', "invalid_request"],
      ['{"status":null}', "invalid_request"],
      ["{}", "invalid_request"],
      ['{"status":"NEW"}', "invalid_request"],
      ['["acknowledged"]', "invalid_request"],
      [String.raw`{"status":"new\u0000"}`, "invalid_request"],
      ["not json", "malformed_body"],
      ['{"status":"new\u0000"}', "malformed_body"], // a raw NUL inside a JSON string is not JSON
    ];
    for (const [body, code] of bad) {
      const res = await patch(alert.id, brand.apiKey, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect((await res.json()).error).toEqual(expect.objectContaining({ code, message: expect.any(String) }));
    }
    expect(await statusOf(alert.id)).toBe("acknowledged");

    // Another organisation's alert, and one that does not exist, answer alike: 404.
    for (const [id, key] of [[alert.id, store.apiKey], [alert.id, rival.apiKey], ["alr_000000000000000000000000", brand.apiKey]]) {
      const res = await patch(id, key, '{"status":"dismissed"}');
      expect(res.status).toBe(404);
      expect((await res.json()).error.code).toBe("not_found");
    }
    // A store member has no IP centre: 403, and the alert is unchanged.
    const forbidden = await patch(alert.id, member.apiKey, '{"status":"dismissed"}');
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).error.code).toBe("forbidden");
    expect((await svc.request("/v1/alerts", { key: member.apiKey })).status).toBe(403);
    expect(await statusOf(alert.id)).toBe("acknowledged");
    // Put back as the later tests found it.
    expect((await patch(alert.id, brand.apiKey, '{"status":"new"}')).status).toBe(200);
  });

  it("alerts only at or above the organisation's watch threshold (default 92, set by the owner)", async () => {
    const settings = async (body?: unknown) =>
      svc.request("/v1/settings", body === undefined ? { key: brand.apiKey } : { method: "PATCH", key: brand.apiKey, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(await (await settings()).json()).toEqual({ watchThreshold: 92, webhook: null });
    expect((await settings({ watchThreshold: 50 })).status).toBe(400);
    expect((await settings({ watchThreshold: 100 })).status).toBe(200);
    expect((await svc.request("/v1/settings", { method: "PATCH", key: ADMIN_KEY, headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(403);
    // A small, rotated copy scores just under 100 (~99.7): no alert at threshold 100.
    const copy = await sharp(fixture("building.jpg")).rotate(8, { background: "#fff" }).resize(200).jpeg({ quality: 50 }).toBuffer();
    const listing = await list(store.apiKey, copy, "L-building");
    await settle();
    const products = async () => (await alertsOf(brand.apiKey)).map((a: { original: { productId: string } }) => a.original.productId);
    expect(await products()).not.toContain("P-building");
    // The same listing watched again under the default threshold does alert: it was the threshold that held it back.
    expect((await settings({ watchThreshold: 92 })).status).toBe(200);
    await writeTogether(svc.deps.db, watchStatements(svc.deps.db, new URL(listing.thumbnailUrl).pathname.split("/")[3]));
    svc.deps.wakeJobs?.(WATCH_JOB);
    await settle();
    expect(await products()).toContain("P-building");
  });

  it("alerts an organisation that registers an original of the copies other organisations listed before, once, and never of its own", async () => {
    // The brand lists a copy of its own before registering it: that one must not alert it.
    await list(brand.apiKey, await sharp(fixture("smarties.png")).resize(380).jpeg({ quality: 80 }).toBuffer(), "own-smarties");
    await settle();
    const original = await sharp(fixture("smarties.png")).resize({ height: 700 }).jpeg({ quality: 90 }).toBuffer();
    const res = await post("/v1/originals", brand.apiKey, imageForm(original, { productId: "P-smarties", category: "sweets", storeCountry: "DE" }));
    expect(res.status).toBe(201);
    const registered = await res.json();
    await settle();
    const about = async () => (await alertsOf(brand.apiKey)).filter((a: { original: { id: string } }) => a.original.id === registered.id);
    const alerts = await about();
    expect(alerts).toEqual([
      expect.objectContaining({
        kind: "match",
        original: expect.objectContaining({ id: registered.id, productId: "P-smarties" }),
        match: { kind: "listing", id: smartiesListing.id, productId: "unrelated", storeId: "store-1", storeCountry: "PL", listedAt: smartiesListing.listedAt, similarity: expect.any(Number), thumbnailUrl: smartiesListing.thumbnailUrl },
        status: "new",
      }),
    ]);
    expect(alerts[0].match.similarity).toBeGreaterThanOrEqual(92);
    // The store listed before the registration: it is not alerted (it has no original of it).
    expect(await alertsOf(store.apiKey)).toEqual([]);
    // Watched again: the same pair does not alert twice.
    await writeTogether(svc.deps.db, watchStatements(svc.deps.db, new URL(registered.thumbnailUrl).pathname.split("/")[3]));
    svc.deps.wakeJobs?.(WATCH_JOB);
    await settle();
    expect(await about()).toHaveLength(1);
  });

  it("alerts about a mirrored, edited copy through the search path's mirrored view", async () => {
    const flipped = await sharp(await logoed(fixture("building.jpg"))).flop().resize(760).jpeg({ quality: 80 }).toBuffer();
    const listing = await list(store.apiKey, flipped, "L-mirrored");
    await settle();
    const alert = (await alertsOf(brand.apiKey)).find((a: { match: { id: string } }) => a.match.id === listing.id);
    expect(alert).toMatchObject({ original: { id: buildingOriginal.id, productId: "P-building" }, match: { kind: "listing", productId: "L-mirrored" } });
    expect(alert.match.similarity).toBeGreaterThanOrEqual(92);
    // The stored features (one orientation) and the PDQ alone do not find it: the mirrored view did.
    const imageId = new URL(listing.thumbnailUrl).pathname.split("/")[3];
    const storedOnly = await matchNewImage(svc.deps.db, svc.deps.library!, imageId);
    expect(storedOnly!.alerts.filter((a) => a.originalId === buildingOriginal.id)).toEqual([]);
    // The upload's bytes were kept only until its watch ran.
    expect(await svc.deps.db.select().from(watchUploads)).toEqual([]);

    // A job queued by a version whose payload did not say whether bytes were kept still reads and drops them.
    await keepUpload(svc.deps.db, imageId, flipped);
    await enqueueJob(svc.deps.db, WATCH_JOB, { imageId });
    svc.deps.wakeJobs?.(WATCH_JOB);
    await settle();
    expect(await svc.deps.db.select().from(watchUploads)).toEqual([]);
    expect((await alertsOf(brand.apiKey)).filter((a: { match: { id: string } }) => a.match.id === listing.id)).toHaveLength(1);
  });
  it("scores a byte-identical copy 100 from either side, where the matcher finds nothing: a listing of an original's bytes, an original of a listing's", async () => {
    // Smooth gradients: too few corners and too flat a PDQ for the matcher, so only their SHA-256 pairs them.
    const gradient = (from: string, to: string) =>
      sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="900" height="700"><defs><linearGradient id="g"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient></defs><rect width="900" height="700" fill="url(#g)"/></svg>`))
        .jpeg({ quality: 90 })
        .toBuffer();
    const registeredFirst = await gradient("#203040", "#c0d0e0");
    const original = await (await post("/v1/originals", brand.apiKey, imageForm(registeredFirst, { productId: "P-gradient", category: "c", storeCountry: "DE" }))).json();
    const listing = await list(store.apiKey, registeredFirst, "L-same-bytes");
    await settle();
    const aboutListing = (await alertsOf(brand.apiKey)).find((a: { match: { id: string } }) => a.match.id === listing.id);
    expect(aboutListing).toMatchObject({ original: { id: original.id }, match: { kind: "listing", similarity: 100 } });

    const listedFirst = await gradient("#402010", "#e0c0a0");
    const earlier = await list(store.apiKey, listedFirst, "L-listed-first");
    await settle();
    const res = await post("/v1/originals", rival.apiKey, imageForm(listedFirst, { productId: "R-gradient", category: "c", storeCountry: "FR" }));
    expect(res.status).toBe(201);
    const registered = await res.json();
    await settle();
    const aboutOriginal = (await alertsOf(rival.apiKey)).find((a: { original: { id: string }; match: { id: string } }) => a.original.id === registered.id && a.match.id === earlier.id);
    expect(aboutOriginal).toMatchObject({ match: { kind: "listing", similarity: 100 } });
  });
});
