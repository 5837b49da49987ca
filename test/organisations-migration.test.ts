/**
 * Upgrading a database from before organisations: the schema is built by the migrations before
 * `*_organisations` only, an account registers and anchors there (with SQL of that schema and a real anvil) and
 * gets its bundle, then the service starts on it and runs the remaining migrations.
 */
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../src/accounts/keys";
import { anchorRoot } from "../src/chain/anchor";
import { EMBEDDED_ANCHORER_KEY } from "../src/chain/anvil";
import { deployAnchor } from "../src/chain/deploy";
import { configSchema } from "../src/config";
import { leafHash, registrationIdOf } from "../src/core/leaf";
import { openDatabase, type Database, type Db } from "../src/db/client";
import { fingerprintImage } from "../src/imaging/fingerprint";
import { uint64ToHex } from "../src/core/hex";
import { phashChunks } from "../src/library/images";
import { silentLogger } from "../src/observability/logger";
import { startServices, type Services } from "../src/services";
import { startTestChain, type TestChain } from "./helpers/anvil";
import { engines, postgresAdminUrl } from "./helpers/databases";
import { ADMIN_KEY, fixture } from "./helpers/service";

const drizzleDir = path.resolve(__dirname, "../drizzle");

/** A migrations folder holding only the migrations before organisations (the schema the upgrade starts from). */
function migrationsBeforeOrganisations(dir: string): string {
  const journal = JSON.parse(readFileSync(path.join(drizzleDir, "meta/_journal.json"), "utf8"));
  const cut = journal.entries.findIndex((e: { tag: string }) => e.tag.endsWith("_organisations"));
  expect(cut).toBeGreaterThan(0);
  const entries = journal.entries.slice(0, cut);
  mkdirSync(path.join(dir, "meta"), { recursive: true });
  writeFileSync(path.join(dir, "meta/_journal.json"), JSON.stringify({ ...journal, entries }));
  for (const e of entries) cpSync(path.join(drizzleDir, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
  return dir;
}

/** A database at the old schema, and how to open it again (then fully migrated) once the old client is closed. */
async function oldDatabase(engine: (typeof engines)[number], work: string) {
  const migrationsFolder = migrationsBeforeOrganisations(path.join(work, "old-migrations"));
  if (engine === "pglite") {
    const dataDir = path.join(work, "pglite");
    const client = await PGlite.create(dataDir);
    const db = drizzlePglite(client);
    await migratePglite(db, { migrationsFolder });
    return { db: db as unknown as Db, close: () => client.close(), reopen: () => openDatabase({ engine: "pglite", dataDir }), drop: async () => {} };
  }
  const name = `imprint_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(postgresAdminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  const client = postgres(url.toString(), { max: 2, onnotice: () => {} });
  const db = drizzlePostgres(client);
  await migratePostgres(db, { migrationsFolder });
  return {
    db: db as unknown as Db,
    close: () => client.end({ timeout: 5 }),
    reopen: () => openDatabase({ engine: "postgres", url: url.toString(), max: 5 }),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

describe.each(engines)("upgrading a database from before organisations on %s", (engine) => {
  let chain: TestChain;
  let contract: string;
  let work: string;
  let old: Awaited<ReturnType<typeof oldDatabase>>;
  let database: Database | undefined;
  let services: Services | undefined;
  const accountId = "acc_" + randomBytes(12).toString("hex");
  // Keys as the old code made them: "imp_" + 32 random bytes in base64url.
  const sellerKey = "imp_" + randomBytes(32).toString("base64url");
  const oldAdminKey = "imp_" + randomBytes(32).toString("base64url");
  let registrationId: string;
  let bundleBefore: unknown;

  beforeAll(async () => {
    chain = await startTestChain();
    contract = (await deployAnchor(chain.wallet)).address.toLowerCase();
    work = mkdtempSync(path.join(tmpdir(), "imprint-upgrade-"));
    old = await oldDatabase(engine, work);
    const { db } = old;

    // What the old code wrote: the admin account and its configured key, a seller and its key, a registration.
    await db.execute(sql`insert into accounts (id, name, role) values ('acc_admin', 'admin', 'admin'), (${accountId}, 'Old shop', 'seller')`);
    await db.execute(sql`insert into api_keys (account_id, key_hash) values ('acc_admin', ${hashApiKey(oldAdminKey)}), (${accountId}, ${hashApiKey(sellerKey)})`);
    const bytes = fixture("building.jpg");
    const fp = await fingerprintImage(bytes);
    const registeredAtMs = Date.now() - 86_400_000;
    const leaf = leafHash({ sha256: fp.sha256, pdq: fp.pdq, phash: fp.phash, registeredAtMs, accountId });
    registrationId = registrationIdOf(leaf);
    const imageId = "img_" + registrationId.slice(4);
    const [c0, c1, c2, c3] = phashChunks(fp.phash);
    await db.execute(sql`insert into images (id, kind, account_id, sha256, pdq, pdq_quality, phash, phash_0, phash_1, phash_2, phash_3, width, height, format, byte_size, thumbnail)
      values (${imageId}, 'original', ${accountId}, ${fp.sha256}, decode(${fp.pdq.slice(2)}, 'hex'), ${fp.pdqQuality}, ${BigInt.asIntN(64, fp.phash).toString()}::bigint,
              ${c0}, ${c1}, ${c2}, ${c3}, ${fp.width}, ${fp.height}, ${fp.format}, ${bytes.length}, decode(${fp.thumbnail.toString("hex")}, 'hex'))`);
    // A batch of one leaf: root = leaf, empty proof; anchored on the real chain.
    const anchored = await anchorRoot(chain.wallet, { contract, root: leaf, leafCount: 1, timeoutMs: 20_000 });
    const inserted = await db.execute(sql`insert into batches (status, root, leaf_count, chain_id, contract, tx_hash, block_number, block_timestamp, gas_used, anchored_at)
      values ('anchored', ${leaf}, 1, 31337, ${contract}, ${anchored.txHash}, ${anchored.blockNumber}, ${anchored.blockTimestamp}, ${anchored.gasUsed}, now()) returning id`);
    // postgres.js answers rows, PGlite { rows }.
    const [{ id: batchId }] = (Array.isArray(inserted) ? inserted : (inserted as unknown as { rows: unknown[] }).rows) as { id: number }[];
    await db.execute(sql`insert into originals (id, account_id, image_id, product_id, category, store_country, sha256, registered_at_ms, leaf, batch_id, leaf_index, proof)
      values (${registrationId}, ${accountId}, ${imageId}, 'OLD-1', 'shoes', 'DE', ${fp.sha256}, ${registeredAtMs}, ${leaf}, ${batchId}, 0, '[]'::jsonb)`);
    // The bundle the old code served for it, written out as the v1 format defines it (README): the code that
    // reads bundles today selects columns that later migrations add, so it cannot run on the old schema.
    bundleBefore = {
      format: "imprint.evidence.v1",
      registration: { id: registrationId, accountId, sha256: fp.sha256, pdq: fp.pdq, phash: uint64ToHex(fp.phash), registeredAt: new Date(registeredAtMs).toISOString() },
      leaf,
      merkle: { root: leaf, proof: [] },
      anchor: { chainId: 31337, contract, txHash: anchored.txHash, blockNumber: anchored.blockNumber, blockTimestamp: anchored.blockTimestamp },
    };
    await old.close();

    // The new code starts on it (running the remaining migrations) with a new admin key and the same chain.
    database = await old.reopen();
    const config = configSchema.parse({
      DATA_DIR: work,
      IMPRINT_ADMIN_KEY: ADMIN_KEY,
      CHAIN_RPC_URL: chain.rpcUrl,
      CHAIN_PRIVATE_KEY: EMBEDDED_ANCHORER_KEY,
      CHAIN_CONTRACT: contract,
    });
    services = await startServices(config, { database, startBatcher: false, log: silentLogger });
  });
  afterAll(async () => {
    await services?.close();
    await database?.close();
    await old?.drop();
    await chain?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const request = (p: string, key?: string, init: RequestInit = {}) =>
    Promise.resolve(services!.app.request(p, { ...init, headers: { ...(init.headers as object), ...(key ? { authorization: `Bearer ${key}` } : {}) } }));

  it("serves the same bundle, which still verifies: the leaf's owner is still keccak256(accountId)", async () => {
    const served = await (await request(`/v1/originals/${registrationId}/evidence`, sellerKey)).json();
    expect(served).toEqual(bundleBefore);
    expect(served.registration.accountId).toBe(accountId);
    const verdict = await (await request("/v1/verify", undefined, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(bundleBefore) })).json();
    expect(verdict).toMatchObject({ ok: true });
  });

  it("turns the account into an organisation whose owner holds its existing key and registered its originals", async () => {
    const members = (await (await request("/v1/members", sellerKey)).json()).items;
    expect(members).toEqual([{ memberId: "mem_" + accountId.slice(4), name: "owner", role: "owner", createdAt: expect.any(String), removedAt: null }]);
    const original = await (await request(`/v1/originals/${registrationId}`, sellerKey)).json();
    expect(original).toMatchObject({ accountId, registeredBy: members[0].memberId, status: "anchored" });
    // The old key's prefix is learned on its first use, for lists and the audit log.
    const keys = (await (await request("/v1/keys", sellerKey)).json()).items;
    expect(keys).toEqual([expect.objectContaining({ memberId: members[0].memberId, prefix: sellerKey.slice(0, 10), revokedAt: null, lastUsedAt: expect.any(String) })]);
  });

  it("revokes the previously configured admin key when the service starts with another", async () => {
    expect((await request("/v1/admin/anchor", oldAdminKey, { method: "POST" })).status).toBe(401);
    expect((await request("/v1/admin/anchor", ADMIN_KEY, { method: "POST" })).status).toBe(200);
  });
});
