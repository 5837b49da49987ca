import { readFileSync } from "node:fs";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/client";
import { accounts, images } from "../src/db/schema";
import { INDEX_DESCRIPTORS } from "../src/matching/candidates";
import { leadingDescriptors, serializeFeatures } from "../src/matching/serialize";
import { engines, freshDatabase } from "./helpers/databases";

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
