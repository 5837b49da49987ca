import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Contract, Wallet, ZeroHash, hexlify, randomBytes } from "ethers";
import { PROVENANCE_ANCHOR_ABI } from "../src/chain/abi";
import { anchorRoot, findAnchor, readAnchoredAt } from "../src/chain/anchor";
import { deployAnchor } from "../src/chain/deploy";
import { ensureDeployment, deploymentFile } from "../src/chain/embedded";
import { EMBEDDED_ANCHORER_KEY } from "../src/chain/anvil";
import { createChainClient, SequencedSigner } from "../src/chain/provider";
import { SupervisedAnvil } from "../src/chain/supervised-anvil";
import { readAnchorEvidence } from "../src/chain/receipt-check";
import { ImprintError } from "../src/core/errors";
import { capturingLogger } from "./helpers/logs";
import { OTHER_DEV_KEY, startTestChain, type TestChain } from "./helpers/anvil";

const root32 = () => hexlify(randomBytes(32));

describe("anchorRoot / findAnchor / readAnchorEvidence", () => {
  let chain: TestChain;
  let contract: string;
  let fromBlock: number;

  beforeAll(async () => {
    chain = await startTestChain();
    const deployed = await deployAnchor(chain.wallet);
    contract = deployed.address;
    fromBlock = deployed.blockNumber;
  });
  afterAll(async () => {
    await chain?.stop();
  });

  it("anchors a root and reports the block, its timestamp and the gas", async () => {
    const root = root32();
    const result = await anchorRoot(chain.wallet, { contract, root, leafCount: 3, timeoutMs: 10_000 });
    expect(result.alreadyAnchored).toBe(false);
    expect(result.leafCount).toBe(3);
    expect(result.gasUsed).toBeGreaterThan(40_000);
    expect(result.gasUsed).toBeLessThan(50_000);
    const block = await chain.provider.getBlock(result.blockNumber);
    expect(result.blockTimestamp).toBe(block!.timestamp);
    expect(await readAnchoredAt(chain.provider, contract, root)).toBe(result.blockTimestamp);
  });

  it("is idempotent: anchoring the same root again returns the first anchor and sends nothing", async () => {
    const root = root32();
    const first = await anchorRoot(chain.wallet, { contract, root, leafCount: 5, fromBlock });
    const nonce = await chain.provider.getTransactionCount(chain.address, "pending");
    const second = await anchorRoot(chain.wallet, { contract, root, leafCount: 5, fromBlock });
    expect(second).toEqual({ ...first, alreadyAnchored: true });
    expect(await chain.provider.getTransactionCount(chain.address, "pending")).toBe(nonce);
  });

  it("returns the existing anchor when two sends for one root race (the loser's revert is absorbed)", async () => {
    const root = root32();
    const [a, b] = await Promise.all([
      anchorRoot(chain.wallet, { contract, root, leafCount: 2, fromBlock }),
      anchorRoot(chain.wallet, { contract, root, leafCount: 2, fromBlock }),
    ]);
    expect(a.txHash).toBe(b.txHash);
    expect([a.alreadyAnchored, b.alreadyAnchored].sort()).toEqual([false, true]);
  });

  it("waits for confirmations", async () => {
    const root = root32();
    // anvil mines a block per transaction: evm_mine supplies the blocks on top.
    const pending = anchorRoot(chain.wallet, { contract, root, leafCount: 1, confirmations: 3, timeoutMs: 10_000 });
    let settled = false;
    void pending.then(() => (settled = true));
    for (let i = 0; i < 3 && !settled; i++) {
      await new Promise((r) => setTimeout(r, 150));
      await chain.provider.send("evm_mine", []);
    }
    const result = await pending;
    expect((await chain.provider.getBlockNumber()) - result.blockNumber + 1).toBeGreaterThanOrEqual(3);
  });

  it("rejects a zero root, a zero leaf count, and a root the contract refuses from a non-anchorer", async () => {
    await expect(anchorRoot(chain.wallet, { contract, root: ZeroHash, leafCount: 1 })).rejects.toMatchObject({ code: "invalid_root" });
    await expect(anchorRoot(chain.wallet, { contract, root: root32(), leafCount: 0 })).rejects.toMatchObject({
      code: "invalid_leaf_count",
    });
    const other = new SequencedSigner(new Wallet(OTHER_DEV_KEY, chain.provider));
    const otherNonce = await chain.provider.getTransactionCount(other.address, "pending");
    const err = await anchorRoot(other, { contract, root: root32(), leafCount: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImprintError);
    expect(err).toMatchObject({ code: "chain_anchor_rejected" });
    expect((err as Error).message).toContain("ProvenanceAnchorUnauthorizedAnchorer");
    // The refused send burnt no nonce of `other` (estimation failed before signing); the anchorer goes on as before.
    expect(await chain.provider.getTransactionCount(other.address, "pending")).toBe(otherNonce);
    await anchorRoot(chain.wallet, { contract, root: root32(), leafCount: 1, timeoutMs: 5_000 });
  });

  it("finds the anchor by root and reads consistent evidence from the receipt", async () => {
    const root = root32();
    const anchored = await anchorRoot(chain.wallet, { contract, root, leafCount: 9 });
    const found = await findAnchor(chain.provider, { contract, root, fromBlock });
    expect(found).toEqual({
      txHash: anchored.txHash,
      blockNumber: anchored.blockNumber,
      blockTimestamp: anchored.blockTimestamp,
      leafCount: 9,
    });
    expect(await findAnchor(chain.provider, { contract, root: root32() })).toBeNull();

    const evidence = await readAnchorEvidence(chain.provider, { contract, txHash: anchored.txHash, root });
    expect(evidence).toMatchObject({
      chainId: 31337,
      receiptFound: true,
      eventFound: true,
      receiptStatus: 1,
      blockNumber: anchored.blockNumber,
      blockTimestamp: anchored.blockTimestamp,
      eventTimestamp: anchored.blockTimestamp,
      anchoredAt: anchored.blockTimestamp,
      leafCount: 9,
    });
    expect(evidence.confirmations).toBeGreaterThanOrEqual(1);
  });

  it("reports missing evidence as such: wrong root, unknown tx, wrong contract", async () => {
    const root = root32();
    const anchored = await anchorRoot(chain.wallet, { contract, root, leafCount: 1 });
    const wrongRoot = await readAnchorEvidence(chain.provider, { contract, txHash: anchored.txHash, root: root32() });
    expect(wrongRoot).toMatchObject({ receiptFound: true, eventFound: false, anchoredAt: 0 });
    const unknownTx = await readAnchorEvidence(chain.provider, { contract, txHash: root32(), root });
    expect(unknownTx).toMatchObject({ receiptFound: false, eventFound: false, blockNumber: null, anchoredAt: anchored.blockTimestamp });
    const elsewhere = await deployAnchor(chain.wallet);
    const wrongContract = await readAnchorEvidence(chain.provider, { contract: elsewhere.address, txHash: anchored.txHash, root });
    expect(wrongContract).toMatchObject({ receiptFound: true, eventFound: false, anchoredAt: 0 });
    const noCode = await readAnchorEvidence(chain.provider, { contract: Wallet.createRandom().address, txHash: anchored.txHash, root });
    expect(noCode).toMatchObject({ eventFound: false, anchoredAt: null });
  });
});

describe("embedded chain persistence (state saved on stop, loaded at start)", () => {
  let dir: string;
  let chain: TestChain | undefined;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "imprint-chain-"));
  });
  afterEach(async () => {
    await chain?.stop();
    chain = undefined;
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the contract, its anchors and the nonce; ensureDeployment reuses the address", async () => {
    const stateFile = path.join(dir, "anvil-state.json");
    const { log, messages } = capturingLogger();

    chain = await startTestChain({ stateFile });
    const first = await ensureDeployment({ wallet: chain.wallet, dataDir: dir, log });
    expect(first.reused).toBe(false);
    expect(messages().at(-1)).toContain("deployed ProvenanceAnchor");
    const again = await ensureDeployment({ wallet: chain.wallet, dataDir: dir, log });
    expect(again).toMatchObject({ reused: true, address: first.address });
    const root = root32();
    const anchored = await anchorRoot(chain.wallet, { contract: first.address, root, leafCount: 4 });
    const nonce = await chain.provider.getTransactionCount(chain.address, "latest");
    await chain.stop();
    chain = undefined;

    chain = await startTestChain({ stateFile });
    const reopened = await ensureDeployment({ wallet: chain.wallet, dataDir: dir, log });
    expect(reopened).toMatchObject({ reused: true, address: first.address, chainId: 31337 });
    expect(await readAnchoredAt(chain.provider, first.address, root)).toBe(anchored.blockTimestamp);
    expect(await chain.provider.getTransactionCount(chain.address, "latest")).toBe(nonce);
    const evidence = await readAnchorEvidence(chain.provider, { contract: first.address, txHash: anchored.txHash, root });
    expect(evidence).toMatchObject({ receiptFound: true, eventFound: true, blockTimestamp: anchored.blockTimestamp });
    // Anchoring the same root after the restart is still idempotent, and new roots still anchor.
    expect(await anchorRoot(chain.wallet, { contract: first.address, root, leafCount: 4 })).toMatchObject({
      txHash: anchored.txHash,
      alreadyAnchored: true,
    });
    await anchorRoot(chain.wallet, { contract: first.address, root: root32(), leafCount: 1 });
  });

  it("redeploys (and says so) when the chain no longer has the contract", async () => {
    const dataDir = path.join(dir, "fresh");
    chain = await startTestChain();
    const first = await ensureDeployment({ wallet: chain.wallet, dataDir });
    await chain.stop();
    chain = await startTestChain(); // no --state: an empty chain
    const { log, messages } = capturingLogger();
    const second = await ensureDeployment({ wallet: chain.wallet, dataDir, log });
    expect(second.reused).toBe(false);
    expect(messages().join("\n")).toMatch(/no contract code at .* redeploying/);
    expect(deploymentFile(dataDir)).toContain(path.join("chain", "deployment.json"));
    // anvil derives the address from deployer + nonce, so an empty chain gives the same address again.
    expect(second.address).toBe(first.address);
    expect(await new Contract(second.address, PROVENANCE_ANCHOR_ABI, chain.provider).getFunction("anchorer")()).toBe(chain.address);
  });
});

describe("embedded chain durability (anvil SIGKILLed)", () => {
  let dir: string;
  let chain: TestChain | undefined;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "imprint-chain-kill-"));
  });
  afterEach(async () => {
    await chain?.stop();
    chain = undefined;
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps an anchor saved with saveState, and loses one that was not", async () => {
    const stateFile = path.join(dir, "kill", "anvil-state.json");
    chain = await startTestChain({ stateFile });
    const { address } = await deployAnchor(chain.wallet);
    const saved = root32();
    await anchorRoot(chain.wallet, { contract: address, root: saved, leafCount: 1 });
    await chain.anvil.saveState();
    const unsaved = root32();
    await anchorRoot(chain.wallet, { contract: address, root: unsaved, leafCount: 1 });
    chain.anvil.process.kill("SIGKILL");
    await chain.anvil.exited;
    chain.provider.destroy();

    chain = await startTestChain({ stateFile });
    expect(await readAnchoredAt(chain.provider, address, saved)).toBeGreaterThan(0);
    expect(await readAnchoredAt(chain.provider, address, unsaved)).toBe(0);
  });

  it("is restarted by its supervisor on the same URL, from its saved state, and says so", async () => {
    const stateFile = path.join(dir, "supervised", "anvil-state.json");
    const { log, messages } = capturingLogger();
    const anvil = await SupervisedAnvil.start({ stateFile, port: 0 }, log);
    try {
      let restarted = 0;
      anvil.onRestart(() => (restarted += 1));
      const client = createChainClient({ rpcUrl: anvil.rpcUrl, privateKey: EMBEDDED_ANCHORER_KEY, chainId: 31337 });
      const { address } = await deployAnchor(client.wallet);
      const root = root32();
      await anchorRoot(client.wallet, { contract: address, root, leafCount: 1 });
      await anvil.saveState();
      process.kill(anvil.pid!, "SIGKILL");
      for (let i = 0; i < 200 && (restarted === 0 || !anvil.status.reachable); i++) await new Promise((r) => setTimeout(r, 50));
      expect(anvil.status).toEqual({ reachable: true, restarts: 1 });
      expect(restarted).toBe(1);
      expect(messages()).toContain("embedded chain restarted");
      expect(await readAnchoredAt(client.provider, address, root)).toBeGreaterThan(0);
      client.provider.destroy();
    } finally {
      await anvil.stop();
    }
  });
});

