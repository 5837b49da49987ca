import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/client";
import { accounts, images } from "../src/db/schema";
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

  it("runs its migrations idempotently", async () => {
    const { migrate } =
      engine === "pglite" ? await import("drizzle-orm/pglite/migrator") : await import("drizzle-orm/postgres-js/migrator");
    await expect(migrate(database.db as never, { migrationsFolder: "drizzle" })).resolves.toBeUndefined();
  });
});
