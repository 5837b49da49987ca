import { readFileSync } from "node:fs";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/client";
import { accounts, images, members, originals } from "../src/db/schema";
import { writeTogether } from "../src/db/write-together";
import { INDEX_DESCRIPTORS } from "../src/matching/candidates";
import { leadingDescriptors, serializeFeatures } from "../src/matching/serialize";
import { engines, freshDatabase } from "./helpers/databases";

describe("PGlite as drizzle reads it", () => {
  it("gives the values drizzle's own parsers give, on every type drizzle reads as text (the client applies them, not each query)", async () => {
    const { PGlite } = await import("@electric-sql/pglite");
    const { drizzle } = await import("drizzle-orm/pglite");
    const plain = await PGlite.create();
    const ours = await freshDatabase("pglite");
    try {
      const values = sql`select timestamp '2026-12-03 04:05:06.789' as ts, timestamptz '2026-12-03 04:05:06.789+02' as tstz,
        interval '1 day 02:03:04' as iv, date '2026-12-03' as d, array[1.5, 2]::numeric[] as nums,
        array[timestamp '2026-12-03 04:05:06']::timestamp[] as tss, array[timestamptz '2026-12-03 04:05:06+00']::timestamptz[] as tstzs,
        array[interval '1 hour']::interval[] as ivs, array[date '2026-12-03']::date[] as ds, 42::int4 as n, 'x'::text as t, true as b`;
      const rowsOf = (result: unknown) => (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows);
      const expected = rowsOf(await drizzle(plain).execute(values));
      expect(rowsOf(await ours.db.execute(values))).toEqual(expected);
      // Inside a transaction too, and through the query builder.
      expect(rowsOf(await ours.db.transaction((tx) => tx.execute(values)))).toEqual(expected);
      await ours.db.insert(accounts).values({ id: "acc_t", name: "T", role: "seller" });
      const [account] = await ours.db.select({ createdAt: accounts.createdAt }).from(accounts).where(eq(accounts.id, "acc_t"));
      expect(account.createdAt).toBeInstanceOf(Date);
      expect(Math.abs(account.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    } finally {
      await plain.close();
      await ours.close();
    }
  });
});

describe.each(engines)("schema on %s", (engine) => {
  let database: Database;
  beforeAll(async () => {
    database = await freshDatabase(engine);
  });
  afterAll(() => database.close());

  it("keeps all 64 bits of a pHash stored as signed bigint, and bytea as Buffer", async () => {
    const { db } = database;
    await db.insert(accounts).values({ id: "acc_1", name: "A", role: "seller" });
    const phash = BigInt.asIntN(64, 0xfedcba9876543210n);
    await db.insert(images).values({
      id: "img_1",
      kind: "original",
      accountId: "acc_1",
      sha256: "0x" + "ab".repeat(32),
      pdq: Buffer.alloc(32, 7),
      pdqQuality: 100,
      phash,
      phash0: 0,
      phash1: 0,
      phash2: 0,
      phash3: 0,
      width: 1,
      height: 1,
      format: "png",
      byteSize: 1,
      thumbnail: Buffer.from([1, 2, 3]),
    });
    const [row] = await db.select().from(images).where(eq(images.id, "img_1"));
    expect(BigInt.asUintN(64, row.phash)).toBe(0xfedcba9876543210n);
    expect(Buffer.isBuffer(row.pdq)).toBe(true);
    expect(row.pdq.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(row.seq).toBeGreaterThan(0);
  });

  it("round-trips every byte value through bytea, empty, odd-offset views and megabytes alike", async () => {
    const { db } = database;
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const large = Buffer.alloc(3 * 2 ** 20);
    for (let i = 0; i < large.length; i++) large[i] = (i * 2654435761) >>> 24;
    // A view into a larger buffer, as a Buffer sliced from an upload is: only its own bytes are stored.
    const view = Buffer.concat([Buffer.from([9, 9]), every, Buffer.from([9])]).subarray(2, 258);
    for (const [id, value] of [["img_every", every], ["img_empty", Buffer.alloc(0)], ["img_large", large], ["img_view", view]] as const) {
      await db.insert(images).values({
        id, kind: "original", accountId: "acc_1", sha256: "0x" + "cd".repeat(32), pdq: Buffer.alloc(32), pdqQuality: 100, phash: 0n,
        phash0: 0, phash1: 0, phash2: 0, phash3: 0, width: 1, height: 1, format: "png", byteSize: 1, thumbnail: value,
      });
      const [row] = await db.select({ thumbnail: images.thumbnail }).from(images).where(eq(images.id, id));
      expect(Buffer.isBuffer(row.thumbnail)).toBe(true);
      expect(row.thumbnail.equals(value)).toBe(true);
    }
  });

  it("writes statements together: in order, all of them, or none when one fails, which rejects with the database's error", async () => {
    const { db } = database;
    const image = (id: string) => ({
      id, kind: "original" as const, accountId: "acc_1", sha256: "0x" + "ef".repeat(32), pdq: Buffer.alloc(32), pdqQuality: 100, phash: 0n,
      phash0: 0, phash1: 0, phash2: 0, phash3: 0, width: 1, height: 1, format: "png", byteSize: 1, thumbnail: Buffer.from([7]),
    });
    const original = (id: string, imageId: string) => ({
      id, accountId: "acc_1", registeredBy: "mem_1", imageId, sha256: "0x" + id.padEnd(64, "0"), productId: "p", category: "c",
      storeCountry: "DE", registeredAtMs: 1, leaf: "0x" + "00".repeat(32),
    });
    await db.insert(members).values({ id: "mem_1", accountId: "acc_1", name: "M", role: "owner" });
    // The original's row references the image's (a foreign key): only the given order can succeed.
    await writeTogether(db, [db.insert(images).values(image("img_t1")), db.insert(originals).values(original("reg_t1", "img_t1"))]);
    expect(await db.select({ id: originals.id }).from(originals).where(eq(originals.imageId, "img_t1"))).toEqual([{ id: "reg_t1" }]);

    // The last statement repeats an image id: the two before it are rolled back with it.
    const failing = writeTogether(db, [
      db.insert(images).values(image("img_t2")),
      db.insert(originals).values(original("reg_t2", "img_t2")),
      db.insert(images).values(image("img_t1")),
    ]);
    await expect(failing).rejects.toMatchObject({ code: "23505" });
    expect(await db.select({ id: images.id }).from(images).where(eq(images.id, "img_t2"))).toEqual([]);
    expect(await db.select({ id: originals.id }).from(originals).where(eq(originals.id, "reg_t2"))).toEqual([]);
    // The database serves on after it.
    await writeTogether(db, [db.insert(images).values(image("img_t3"))]);
    expect(await db.select({ id: images.id }).from(images).where(eq(images.id, "img_t3"))).toEqual([{ id: "img_t3" }]);
  });

  it("runs its migrations idempotently", async () => {
    const { migrate } =
      engine === "pglite" ? await import("drizzle-orm/pglite/migrator") : await import("drizzle-orm/postgres-js/migrator");
    await expect(migrate(database.db as never, { migrationsFolder: "drizzle" })).resolves.toBeUndefined();
  });

  it("backfills index descriptors (migration 0001) exactly as registration derives them", async () => {
    const { db } = database;
    const n = 100;
    const features = serializeFeatures({
      width: 512,
      height: 384,
      keypoints: Float32Array.from({ length: 2 * n }, (_, i) => (i * 7) % 380),
      descriptors: Uint8Array.from({ length: 32 * n }, (_, i) => (i * 31 + 7) % 256),
    });
    const [row] = await db.select().from(images).where(eq(images.id, "img_1"));
    await db.insert(images).values({ ...row, id: "img_2", seq: undefined, sha256: "0x" + "cd".repeat(32), features, indexDescriptors: null });
    const backfill = readFileSync("drizzle/0001_index_descriptors.sql", "utf8")
      .split("--> statement-breakpoint")
      .find((statement) => statement.includes("UPDATE"))!;
    await db.execute(sql.raw(backfill));
    const [after] = await db.select().from(images).where(eq(images.id, "img_2"));
    expect(after.indexDescriptors!.equals(leadingDescriptors(features, INDEX_DESCRIPTORS))).toBe(true);
    expect(after.indexDescriptors!.length).toBe(64 * 32);
  });
});
