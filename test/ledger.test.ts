import { and, eq, isNull } from "drizzle-orm";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts/accounts";
import type { Actor } from "../src/accounts/actor";
import { contractAnchorTarget } from "../src/chain/anchor-target";
import { deployAnchor } from "../src/chain/deploy";
import { chainFactsReader } from "../src/chain/chain-facts";
import { createChainClient } from "../src/chain/provider";
import { ImprintError } from "../src/core/errors";
import { processProof } from "../src/core/merkle";
import type { Database } from "../src/db/client";
import { batches, originals } from "../src/db/schema";
import { fingerprintImage } from "../src/imaging/fingerprint";
import { anchorSealed } from "../src/ledger/anchor";
import { Batcher } from "../src/ledger/batcher";
import { evidenceOf } from "../src/ledger/evidence";
import { registerOriginal } from "../src/ledger/originals";
import { Reconciler } from "../src/ledger/reconciler";
import { silentLogger } from "../src/observability/logger";
import { anchorNowUseCase } from "../src/use-cases/anchoring";
import { verifyEvidence } from "../src/verifier/verify-evidence";
import { countPending, sealPending } from "../src/ledger/seal";
import { startTestChain, type TestChain } from "./helpers/anvil";
import { engines, freshDatabase } from "./helpers/databases";
import { capturingLogger } from "./helpers/logs";
import { fixture } from "./helpers/service";

const operator: Actor = { organisationId: "acc_admin", memberId: "acc_admin", role: "admin", keyPrefix: "imp_test" };

describe.each(engines)("batches on %s", (engine) => {
  let database: Database;
  let chain: TestChain;
  let target: ReturnType<typeof contractAnchorTarget>;
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

  it("seals a registration while another transaction references it (a foreign key's lock)", async () => {
    const { original } = await registerOne();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    // What inserting a row that references the registration (its watch job's alert, say) holds until it commits.
    const referencing = database.db.transaction(async (tx) => {
      await tx.select({ id: originals.id }).from(originals).where(eq(originals.id, original.id)).for("key share");
      locked();
      await held;
    });
    await isLocked;
    // PostgreSQL seals beside the other transaction; PGlite runs one transaction at a time, so there the seal waits
    // for the release.
    const releasing = setTimeout(release, 500);
    const batch = await sealPending(database.db, 100);
    clearTimeout(releasing);
    release();
    await referencing;
    expect(batch?.leafCount).toBe(1);
    const [row] = await database.db.select({ batchId: originals.batchId }).from(originals).where(eq(originals.id, original.id));
    expect(row.batchId).toBe(batch!.id);
    await anchorSealed(database.db, target);
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
  describe("reconciler", () => {
    const registerAndSeal = async () => {
      const { original } = await registerOne();
      return { id: original.id, batch: (await sealPending(database.db, 100))! };
    };
    const reconcilerOf = (finalityBlocks: number, log = silentLogger) => new Reconciler(database.db, target, { intervalMs: 60_000, finalityBlocks, fromBlock: 0, log });
    const rpc = (method: string, params: unknown[] = []) => chain.provider.send(method, params);

    it("sends a batch whose transaction vanished back to sealed (evidence 202), and it is anchored again with the same root", async () => {
      const { id, batch } = await registerAndSeal();
      const snapshot = await rpc("evm_snapshot");
      const [first] = (await anchorSealed(database.db, target)).anchored;
      expect((await evidenceOf(database.db, id))?.status).toBe("anchored");
      // The chain forgets the block (a reorg; a node restarted from older state), the database does not.
      await rpc("evm_revert", [snapshot]);
      chain.wallet.resetNonce();

      const { log, lines } = capturingLogger();
      const reconciler = reconcilerOf(64, log);
      expect(await reconciler.runNow()).toMatchObject({ reverted: 1, finalized: 0, unknownRoots: [] });
      expect(reconciler.stats).toMatchObject({ reverted: 1, chainReachable: true, passes: 1 });
      expect(lines.find((l) => l.msg === "reconciler: anchor vanished; batch back to sealed")).toMatchObject({ batch: batch.id, txHash: first.txHash });
      expect(await evidenceOf(database.db, id)).toMatchObject({ status: "sealed" });

      const [again] = (await anchorSealed(database.db, target)).anchored;
      expect(again.root).toBe(batch.root);
      // A new transaction (same nonce, data and fee after the revert, so possibly the same hash), now on chain.
      const evidence = await evidenceOf(database.db, id);
      expect(evidence?.status).toBe("anchored");
      const verdict = await verifyEvidence((evidence as { bundle: unknown }).bundle, { readChainFacts: chainFactsReader(chain.provider) });
      expect(verdict.ok).toBe(true);
      expect(await reconciler.runNow()).toMatchObject({ reverted: 0 });
    });

    it("marks an intact anchor final after CHAIN_FINALITY_BLOCKS and stops re-checking it", async () => {
      await registerAndSeal();
      await anchorSealed(database.db, target);
      const reconciler = reconcilerOf(1);
      const first = await reconciler.runNow();
      expect(first!.finalized).toBeGreaterThanOrEqual(1);
      expect(await reconciler.runNow()).toMatchObject({ checked: 0 });
      expect(await database.db.select().from(batches).where(and(eq(batches.status, "anchored"), isNull(batches.finalizedAt)))).toEqual([]);
    });

    it("logs and counts, once, a root on chain that the database does not know", async () => {
      const stranger = "0x" + "ab".repeat(32);
      await target.anchor(stranger, 3);
      const { log, lines } = capturingLogger();
      const reconciler = reconcilerOf(64, log);
      expect((await reconciler.runNow())!.unknownRoots).toEqual([stranger]);
      expect(await reconciler.runNow()).toMatchObject({ unknownRoots: [] });
      expect(reconciler.stats.unknownRoots).toBe(1);
      expect(lines.filter((l) => l.msg === "reconciler: a root is anchored on chain that the database does not know")).toEqual([
        expect.objectContaining({ root: stranger, level: 50 }),
      ]);
    });

    it("counts an unreachable chain as a failed pass and changes nothing", async () => {
      const dead = createChainClient({ rpcUrl: "http://127.0.0.1:9", privateKey: "0x" + "11".repeat(32), chainId: 31337 });
      const deadTarget = contractAnchorTarget(dead.wallet, { chainId: 31337, contract: target.contract, confirmations: 1, timeoutMs: 2_000, fromBlock: 0 });
      const reconciler = new Reconciler(database.db, deadTarget, { intervalMs: 60_000, finalityBlocks: 64, fromBlock: 0, log: silentLogger });
      const before = await database.db.select().from(batches);
      expect(await reconciler.runNow()).toBeNull();
      expect(reconciler.stats).toMatchObject({ failedPasses: 1, chainReachable: false });
      expect(await database.db.select().from(batches)).toEqual(before);
      dead.provider.destroy();
    });

    it("does not count a batch as anchored when its transaction could not be made durable", async () => {
      const { id } = await registerAndSeal();
      const failing = contractAnchorTarget(chain.wallet, {
        chainId: 31337,
        contract: target.contract,
        confirmations: 1,
        timeoutMs: 10_000,
        fromBlock: 0,
        persist: async () => {
          throw new ImprintError("chain_unavailable", "the embedded chain is restarting");
        },
      });
      const { anchored, failed } = await anchorSealed(database.db, failing);
      expect(anchored).toEqual([]);
      expect(failed).toHaveLength(1);
      expect((await evidenceOf(database.db, id))?.status).toBe("sealed");
      // The admin's "anchor now" answers 503 chain_unavailable rather than 200 with an error list.
      const batcher = new Batcher(database.db, failing, { intervalMs: 60_000, maxBatch: 100 });
      await expect(anchorNowUseCase({ batcher }, operator)).rejects.toMatchObject({ code: "chain_unavailable" });
      // Once the chain takes it, the same root is recorded (already on chain: nothing is sent twice).
      expect((await anchorNowUseCase({ batcher: new Batcher(database.db, target, { intervalMs: 60_000, maxBatch: 100 }) }, operator)).anchored).toHaveLength(1);
      expect((await evidenceOf(database.db, id))?.status).toBe("anchored");
    });
  });
});
