import { eq, isNull } from "drizzle-orm";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts/accounts";
import { contractAnchorTarget } from "../src/chain/anchor-target";
import { deployAnchor } from "../src/chain/deploy";
import { createChainClient } from "../src/chain/provider";
import { processProof } from "../src/core/merkle";
import type { Database } from "../src/db/client";
import { batches, originals } from "../src/db/schema";
import { fingerprintImage } from "../src/imaging/fingerprint";
import { anchorSealed, type AnchorTarget } from "../src/ledger/anchor";
import { Batcher } from "../src/ledger/batcher";
import { registerOriginal } from "../src/ledger/originals";
import { countPending, sealPending } from "../src/ledger/seal";
import { startTestChain, type TestChain } from "./helpers/anvil";
import { engines, freshDatabase } from "./helpers/databases";
import { fixture } from "./helpers/service";

describe.each(engines)("batches on %s", (engine) => {
  let database: Database;
  let chain: TestChain;
  let target: AnchorTarget;
  let accountId: string;
  let registeredBy: string;
  let imageCounter = 0;

  /** A distinct real image each call (same photo, another width: other bytes and leaf). */
  const registerOne = async () => {
    const bytes = await sharp(fixture("aloe.webp")).resize(600 + imageCounter++).jpeg().toBuffer();
    const fingerprint = await fingerprintImage(bytes);
    return registerOriginal(database.db, { accountId, registeredBy, fingerprint, byteSize: bytes.length, productId: "p", category: "c", storeCountry: "DE" });
  };

  beforeAll(async () => {
    database = await freshDatabase(engine);
    chain = await startTestChain();
    const deployed = await deployAnchor(chain.wallet);
    target = contractAnchorTarget(chain.wallet, { chainId: 31337, contract: deployed.address, confirmations: 1, timeoutMs: 10_000, fromBlock: 0 });
    ({ account: { id: accountId }, ownerId: registeredBy } = await createAccount(database.db, "seller"));
  });
  afterAll(async () => {
    await chain?.stop();
    await database?.close();
  });

  it("registers the same bytes once when concurrent requests arrive in the same millisecond", async () => {
    const bytes = await sharp(fixture("aloe.webp")).resize(590).jpeg().toBuffer();
    const fingerprint = await fingerprintImage(bytes);
    const input = { accountId, registeredBy, fingerprint, byteSize: bytes.length, productId: "p", category: "c", storeCountry: "DE" };
    // Same clock reading: same leaf, same id, so the image's primary key is what refuses the losers.
    const results = await Promise.all([1, 2, 3, 4].map(() => registerOriginal(database.db, input, () => 1_800_000_000_000)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.original.id)).size).toBe(1);
    await sealPending(database.db, 100);
    await anchorSealed(database.db, target);
  });

  it("seals at most ANCHOR_MAX_BATCH leaves per batch, oldest first, with proofs that fold to the root", async () => {
    for (let i = 0; i < 7; i++) await registerOne();
    const sizes: number[] = [];
    for (let b = await sealPending(database.db, 3); b; b = await sealPending(database.db, 3)) sizes.push(b.leafCount);
    expect(sizes).toEqual([3, 3, 1]);
    expect(await countPending(database.db)).toBe(0);
    const rows = await database.db.select().from(originals).innerJoin(batches, eq(batches.id, originals.batchId));
    for (const { originals: o, batches: b } of rows) expect(processProof(o.leaf, o.proof!)).toBe(b.root);
    await anchorSealed(database.db, target);
  });

  it("keeps a batch sealed through a chain outage and anchors it once the chain is back", async () => {
    await registerOne();
    const dead = createChainClient({ rpcUrl: "http://127.0.0.1:9", privateKey: "0x" + "11".repeat(32), chainId: 31337 });
    const deadTarget = contractAnchorTarget(dead.wallet, { chainId: 31337, contract: target.contract, confirmations: 1, timeoutMs: 2_000, fromBlock: 0 });
    const batcher = new Batcher(database.db, deadTarget, { intervalMs: 60_000, maxBatch: 100 });
    const failed = await batcher.runNow();
    dead.provider.destroy();
    expect(failed.sealed).toBe(1);
    expect(failed.anchored).toEqual([]);
    expect(failed.errors).toHaveLength(1);
    const [stuck] = await database.db.select().from(batches).where(eq(batches.status, "sealed"));
    expect(stuck.attempts).toBe(1);
    expect(stuck.lastError).toBeTruthy();

    // A new process (new Batcher) over the same database picks it up: nothing sealed is lost.
    const recovered = await new Batcher(database.db, target, { intervalMs: 60_000, maxBatch: 100 }).runNow();
    expect(recovered.anchored.map((a) => a.root)).toEqual([stuck.root]);
    const [after] = await database.db.select().from(batches).where(eq(batches.id, stuck.id));
    expect(after).toMatchObject({ status: "anchored", lastError: null, attempts: 2 });
  });

  it("does not anchor twice when the process died after sending but before recording", async () => {
    await registerOne();
    const sealed = (await sealPending(database.db, 100))!;
    // The transaction lands, then the "crash": the database never hears of it.
    const sent = await target.anchor(sealed.root, sealed.leafCount);
    const { anchored, failed } = await anchorSealed(database.db, target);
    expect(failed).toEqual([]);
    expect(anchored).toHaveLength(1);
    expect(anchored[0].txHash).toBe(sent.txHash);
    expect(anchored[0].blockNumber).toBe(sent.blockNumber);
  });

  it("never puts a leaf in two batches when sealers race", async () => {
    for (let i = 0; i < 6; i++) await registerOne();
    const results = await Promise.all([sealPending(database.db, 4), sealPending(database.db, 4), sealPending(database.db, 4)]);
    const total = results.reduce((n, b) => n + (b?.leafCount ?? 0), 0);
    expect(total).toBe(6);
    expect(await database.db.select().from(originals).where(isNull(originals.batchId))).toEqual([]);
    await anchorSealed(database.db, target);
  });

  it("seals a full batch without waiting for the timer", async () => {
    const batcher = new Batcher(database.db, target, { intervalMs: 3_600_000, maxBatch: 2 });
    batcher.start();
    for (let i = 0; i < 2; i++) {
      await registerOne();
      batcher.notifyRegistered();
    }
    await batcher.stop();
    expect(await countPending(database.db)).toBe(0);
    expect(await database.db.select().from(batches).where(eq(batches.status, "sealed"))).toEqual([]);
  });
});
