import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImprintError } from "../src/core/errors";
import { analyseImage } from "../src/matching/analyse-image";
import { type ImageFeatures } from "../src/matching/features";
import type { MatchGeometry } from "../src/matching/geometry";
import { inlineViews } from "../src/matching/query-views";
import { collage } from "./helpers/collage";
import { silentLogger } from "../src/observability/logger";
import { inlineAnalyser } from "../src/use-cases/image-analysis";
import { startAnalysisPool } from "../src/work/pooled-analyser";
import { WorkerPool } from "../src/work/worker-pool";
import { fixture } from "./helpers/service";

const limits = { MAX_UPLOAD_BYTES: 5 * 1024 * 1024, MAX_IMAGE_PIXELS: 40_000_000 };
/** The PDQ hash crosses as a Uint8Array (inline it is a Buffer, a Uint8Array too): compared as the same bytes. */
const plainPdq = (f: ImageFeatures) => ({ ...f, pdq: f.pdq && { quality: f.pdq.quality, hash: new Uint8Array(f.pdq.hash) } });

describe("image analysis on worker threads", () => {
  const { analyser, views, pool } = startAnalysisPool(limits, { size: 1, maxQueue: 4, maxWaitMs: 60_000, log: silentLogger });
  const inline = inlineAnalyser(limits);
  afterAll(() => pool.close());

  it("gives exactly what the inline analysis gives", async () => {
    const bytes = fixture("building.jpg");
    const [pooled, local] = await Promise.all([analyser.forLibrary(bytes), inline.forLibrary(bytes)]);
    expect(Buffer.isBuffer(pooled.features) && Buffer.isBuffer(pooled.fingerprint.thumbnail)).toBe(true);
    expect(pooled).toEqual(local);

    const [query, localQuery] = await Promise.all([analyser.forQuery(bytes), inline.forQuery(bytes)]);
    expect(query.fingerprint).toEqual(localQuery.fingerprint);
    expect(plainPdq(query.features)).toEqual(plainPdq(localQuery.features));
    expect(query.features.grey!.data).toBeInstanceOf(Uint8Array);
    expect(await analyser.fingerprint(bytes)).toEqual(await inline.fingerprint(bytes));
  });

  it("analyses an upload for the watch as a query's first view, its grey image and PDQ, without the detail image", async () => {
    const bytes = fixture("building.jpg");
    const [watched, localWatched, { features: query }] = await Promise.all([analyser.forWatch(bytes), inline.forWatch(bytes), inline.forQuery(bytes)]);
    expect(plainPdq(watched)).toEqual(plainPdq(localWatched));
    const { detailGrey, ...firstView } = query;
    expect(detailGrey).toBeDefined();
    expect(watched.detailGrey).toBeUndefined();
    expect(plainPdq(watched)).toEqual(plainPdq(firstView));
  });

  it("makes the matcher's further views on a worker exactly as on this thread, from the grey images the query carries", async () => {
    const placed = await collage(fixture("building.jpg"), { share: 0.3 });
    const { features: q } = await analyser.forQuery(placed.bytes);
    expect(q.detailGrey).toBeDefined();
    expect(await views.mirrored(q)).toEqual(await inlineViews.mirrored(q));
    expect(await views.dense(q)).toEqual(await inlineViews.dense(q));
    expect(await views.detail(q)).toEqual(await inlineViews.detail(q));
    const windows = (await Promise.all(views.windowParts(q))).flat();
    expect(windows.length).toBeGreaterThan(1);
    expect(windows).toEqual((await Promise.all(inlineViews.windowParts(q))).flat());
    // A region view of an outline in the detail view, as a hit there would give it.
    const { width, height } = q.detailGrey!;
    const g: MatchGeometry = {
      region: [[300, 100], [700, 100], [700, 400], [300, 400]],
      querySize: { width, height },
      queryPoints: [],
      originalPoints: [],
      transform: [1, 0, 0, 0, 1, 0],
      originalSize: { width: 512, height: 354 },
    };
    for (const mirrored of [false, true]) expect(await views.region(q, g, mirrored)).toEqual(await inlineViews.region(q, g, mirrored));
  });

  it("makes a query's windows on every worker at once, each its part, in the order one thread makes them", async () => {
    const placed = await collage(fixture("building.jpg"), { share: 0.3 });
    const { features: q } = await analyser.forQuery(placed.bytes);
    const expected = (await Promise.all(inlineViews.windowParts(q))).flat();
    expect(expected.length).toBeGreaterThanOrEqual(4);
    // As many workers as leave the windows unevenly split.
    const size = [4, 3, 5].find((k) => expected.length % k !== 0)!;
    const several = startAnalysisPool(limits, { size, maxQueue: 8, maxWaitMs: 60_000, log: silentLogger });
    try {
      expect((await Promise.all(several.views.windowParts(q))).flat()).toEqual(expected);
    } finally {
      await several.pool.close();
    }
  });

  it("verifies a query's windows on every worker at once, with one thread's answer, cut at the same conclusive window", async () => {
    const placed = await collage(fixture("building.jpg"), { share: 0.3 });
    const { features: q } = await analyser.forQuery(placed.bytes);
    const windows = (await Promise.all(inlineViews.windowParts(q))).flat();
    const names = ["building.jpg", "aloe.webp", "home-small.jpg"];
    const originals = new Map<string, ImageFeatures>();
    for (const name of names) originals.set(name, (await analyseImage(fixture(name), { purpose: "original" })).features);
    // Every window is asked about every original, and about one whose features are missing.
    const asked = windows.map((window) => ({ window, candidates: [...names, "gone.jpg"].map((id, i) => ({ id, votes: 9 - i })) }));
    const everyWindow = await inlineViews.verifyWindows(asked, originals, Infinity);
    expect(everyWindow).toHaveLength(windows.length);
    const inliers = [...new Set(everyWindow.flatMap((these) => these.map((v) => v.verification.inliers)))].sort((a, b) => b - a);
    expect(inliers[0]).toBeGreaterThan(inliers.at(-1)!);
    const size = [4, 3, 5].find((k) => windows.length % k !== 0)!;
    const several = startAnalysisPool(limits, { size, maxQueue: 8, maxWaitMs: 60_000, log: silentLogger });
    try {
      // No cut, and cuts at the windows that first reach each inlier count; the copy's windows come early in one
      // order and late in the other, so the cuts fall in the first parts and in the last.
      for (const order of [asked, [...asked].reverse()]) {
        for (const conclusive of [Infinity, ...inliers]) {
          const expected = await inlineViews.verifyWindows(order, originals, conclusive);
          expect(await several.views.verifyWindows(order, originals, conclusive), `conclusive at ${conclusive}`).toEqual(expected);
        }
      }
    } finally {
      await several.pool.close();
    }
  });

  it("keeps the error a worker's analysis answers with", async () => {
    const failure = await analyser.forLibrary(Buffer.from("not an image")).catch((e: unknown) => e);
    const expected = await inline.forLibrary(Buffer.from("not an image")).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ImprintError);
    expect((failure as ImprintError).code).toBe((expected as ImprintError).code);
    expect((failure as ImprintError).message).toBe((expected as ImprintError).message);
  });
});

describe("the worker pool", () => {
  let pool: WorkerPool;
  beforeAll(() => {
    pool = new WorkerPool({ module: path.join(__dirname, "helpers/test-worker.ts"), size: 1, maxQueue: 1, maxWaitMs: 60_000, log: silentLogger });
  });
  afterAll(() => pool.close());

  it("refuses a task past its queue with overloaded and a retry time", async () => {
    const running = pool.run("echo", { value: 1, ms: 300 });
    const queued = pool.run("echo", { value: 2 });
    const refused = await pool.run("echo", { value: 3 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ImprintError);
    expect((refused as ImprintError).code).toBe("overloaded");
    expect((refused as ImprintError).retryAfterS).toBeGreaterThanOrEqual(1);
    expect(await running).toEqual({ value: 1, bytes: new Uint8Array([1]) });
    expect(await queued).toEqual({ value: 2, bytes: new Uint8Array([2]) });
    expect(pool.status).toMatchObject({ workers: 1, busy: 0, queued: 0, rejected: 1 });
  });

  it("runs background work only on a free worker with nobody waiting, so that it never delays a client's task", async () => {
    expect(await pool.run("echo", { value: 4 }, { background: true })).toEqual({ value: 4, bytes: new Uint8Array([4]) });
    const running = pool.run("echo", { value: 5, ms: 300 });
    await expect(pool.run("echo", { value: 6 }, { background: true })).rejects.toMatchObject({ code: "overloaded" });
    // A client's task still queues behind the running one: the background refusal took no place of its.
    const queued = pool.run("echo", { value: 7 });
    await running;
    expect(await queued).toEqual({ value: 7, bytes: new Uint8Array([7]) });
  });

  it("takes a follow-up of accepted work even with its queue full, and runs it ahead of new work", async () => {
    const running = pool.run("echo", { value: 8, ms: 300 });
    const queued = pool.run("echo", { value: 9 });
    const done: number[] = [];
    const followUp = pool.run<{ value: number }>("echo", { value: 10 }, { followUp: true }).then((r) => done.push(r.value));
    void queued.then((r) => done.push((r as { value: number }).value));
    await expect(pool.run("echo", { value: 11 })).rejects.toMatchObject({ code: "overloaded" });
    await Promise.all([running, queued, followUp]);
    expect(done).toEqual([10, 9]);
  });

  it("refuses a task whose wait would exceed the limit at the recent pace, even with room in the queue", async () => {
    const impatient = new WorkerPool({ module: path.join(__dirname, "helpers/test-worker.ts"), size: 1, maxQueue: 10, maxWaitMs: 100, log: silentLogger });
    try {
      const running = impatient.run("echo", { value: 1, ms: 200 });
      await expect(impatient.run("echo", { value: 2 })).rejects.toMatchObject({ code: "overloaded", retryAfterS: 1 });
      await running;
    } finally {
      await impatient.close();
    }
  });

  it("passes an ImprintError back with its code, details and cause", async () => {
    const error = (await pool.run("refuse", {}).catch((e: unknown) => e)) as ImprintError;
    expect(error).toBeInstanceOf(ImprintError);
    expect(error).toMatchObject({ code: "invalid_image", message: "not an image", details: { why: "test" } });
    expect((error.cause as Error).message).toBe("libvips said no");
  });

  it("replaces a worker that exits, failing only the task it was running", async () => {
    const queued = pool.run("echo", { value: 4 });
    const crashed = pool.run("crash", {});
    await expect(pool.run("crash", {})).rejects.toMatchObject({ code: "overloaded" });
    await expect(crashed).rejects.toThrow(/exited with code 7/);
    // queued was accepted before the crash task: it ran first on the old worker.
    expect(await queued).toMatchObject({ value: 4 });
    expect(await pool.run("echo", { value: 5 })).toMatchObject({ value: 5 });
    expect(pool.status).toMatchObject({ workers: 1, restarts: 1 });
  });
});
