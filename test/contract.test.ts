import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbiCoder, Contract, Interface, Wallet, ZeroAddress, ZeroHash, keccak256, concat, hexlify, randomBytes, type Signer } from "ethers";
import { MerkleTree } from "merkletreejs";
import { PROVENANCE_ANCHOR_ABI, decodeAnchorError, provenanceAnchorInterface } from "../src/chain/abi";
import { loadAnchorArtifact } from "../src/chain/artifact";
import { deployAnchor } from "../src/chain/deploy";
import { SequencedSigner } from "../src/chain/provider";
import { waitForReceipt } from "../src/chain/receipt";
import { OTHER_DEV_KEY, startTestChain, type TestChain } from "./helpers/anvil";

/** OpenZeppelin StandardMerkleTree leaf: keccak256(bytes.concat(keccak256(abi.encode(values)))). */
function standardLeaf(types: string[], values: unknown[]): string {
  return keccak256(keccak256(AbiCoder.defaultAbiCoder().encode(types, values)));
}

/** OpenZeppelin's MerkleProof.processProof with Hashes.commutativeKeccak256, in JS. */
function processProof(proof: string[], leaf: string): string {
  return proof.reduce((node, sibling) => {
    const [a, b] = BigInt(node) < BigInt(sibling) ? [node, sibling] : [sibling, node];
    return keccak256(concat([a, b]));
  }, leaf);
}

const keccakBuf = (data: Buffer) => Buffer.from(keccak256(data).slice(2), "hex");
const hex = (b: Buffer) => `0x${b.toString("hex")}`;

describe("ProvenanceAnchor", () => {
  let chain: TestChain;
  let address: string;
  let anchor: Contract;
  let other: Signer;

  async function send(run: () => Promise<{ hash: string }>) {
    const tx = await run();
    return waitForReceipt(chain.provider, tx.hash, { timeoutMs: 10_000 });
  }

  beforeAll(async () => {
    chain = await startTestChain();
    const deployed = await deployAnchor(chain.wallet);
    console.log(`deploy gas: ${deployed.gasUsed}`);
    address = deployed.address;
    anchor = new Contract(address, PROVENANCE_ANCHOR_ABI, chain.wallet);
    other = new SequencedSigner(new Wallet(OTHER_DEV_KEY, chain.provider));
  });
  afterAll(async () => {
    await chain?.stop();
  });

  it("has the ABI src/chain/abi.ts declares", () => {
    const compiled = new Interface(loadAnchorArtifact().abi);
    const fmt = (i: Interface) => i.fragments.map((f) => f.format("full")).sort();
    expect(fmt(provenanceAnchorInterface)).toEqual(fmt(compiled));
  });

  it("knows its anchorer", async () => {
    expect(await anchor.getFunction("anchorer")()).toBe(chain.address);
  });

  it("lets only the anchorer anchor, with a decoded custom error", async () => {
    const root = hexlify(randomBytes(32));
    const asOther = anchor.connect(other) as Contract;
    const err = await asOther.getFunction("anchor")(root, 1).catch(decodeAnchorError);
    expect(err).toMatchObject({ name: "ProvenanceAnchorUnauthorizedAnchorer", args: [await other.getAddress()] });
    expect(await anchor.getFunction("anchoredAt")(root)).toBe(0n);
  });

  it("anchors a root once, at the block timestamp, emitting Anchored", async () => {
    const root = hexlify(randomBytes(32));
    const receipt = await send(() => anchor.getFunction("anchor")(root, 7));
    console.log(`anchor gas: ${receipt.gasUsed}`);
    const block = await chain.provider.getBlock(receipt.blockNumber);
    const at = await anchor.getFunction("anchoredAt")(root);
    expect(at).toBe(BigInt(block!.timestamp));
    expect(await anchor.getFunction("leafCountOf")(root)).toBe(7n);

    const logs = receipt.logs.map((l) => provenanceAnchorInterface.parseLog(l)).filter((l) => l?.name === "Anchored");
    expect(logs).toHaveLength(1);
    expect(logs[0]!.args.root).toBe(root);
    expect(logs[0]!.args.leafCount).toBe(7n);
    expect(logs[0]!.args.timestamp).toBe(at);

    const again = await anchor.getFunction("anchor")(root, 7).catch(decodeAnchorError);
    expect(again).toMatchObject({ name: "ProvenanceAnchorAlreadyAnchored", args: [root, at] });
  });

  it("rejects the zero root and a zero leaf count", async () => {
    const zeroRoot = await anchor.getFunction("anchor")(ZeroHash, 1).catch(decodeAnchorError);
    expect(zeroRoot).toMatchObject({ name: "ProvenanceAnchorInvalidRoot" });
    const zeroCount = await anchor.getFunction("anchor")(hexlify(randomBytes(32)), 0).catch(decodeAnchorError);
    expect(zeroCount).toMatchObject({ name: "ProvenanceAnchorInvalidLeafCount" });
  });

  it("takes its anchorer from the constructor and rejects the zero address", async () => {
    const otherAddress = await other.getAddress();
    const fresh = await deployAnchor(chain.wallet, otherAddress);
    const c = new Contract(fresh.address, PROVENANCE_ANCHOR_ABI, chain.wallet);
    expect(await c.getFunction("anchorer")()).toBe(otherAddress);
    const denied = await c.getFunction("anchor")(hexlify(randomBytes(32)), 1).catch(decodeAnchorError);
    expect(denied).toMatchObject({ name: "ProvenanceAnchorUnauthorizedAnchorer", args: [chain.address] });
    const root = hexlify(randomBytes(32));
    await send(() => (c.connect(other) as Contract).getFunction("anchor")(root, 1));
    expect(await c.getFunction("anchoredAt")(root)).not.toBe(0n);

    const zero = await deployAnchor(chain.wallet, ZeroAddress).catch(decodeAnchorError);
    expect(zero).toMatchObject({ name: "ProvenanceAnchorInvalidAnchorer", args: [ZeroAddress] });
  });

  describe("verify()", () => {
    const types = ["bytes32", "uint64"];
    const leaves = Array.from({ length: 7 }, (_, i) => standardLeaf(types, [keccak256(Buffer.from(`image ${i}`)), i + 1]));
    const tree = new MerkleTree(
      leaves.map((l) => Buffer.from(l.slice(2), "hex")),
      keccakBuf,
      { sortPairs: true },
    );
    const root = tree.getHexRoot();

    beforeAll(async () => {
      await send(() => anchor.getFunction("anchor")(root, leaves.length));
    });

    it("accepts every merkletreejs proof of an odd-sized tree (7 leaves), as OpenZeppelin's JS logic does", async () => {
      for (const leaf of leaves) {
        const proof = tree.getHexProof(Buffer.from(leaf.slice(2), "hex"));
        expect(processProof(proof, leaf)).toBe(root);
        expect(await anchor.getFunction("verify")(root, proof, leaf)).toBe(true);
      }
    });

    it("refuses an unanchored root, a tampered proof and a tampered leaf", async () => {
      const leaf = leaves[3]!;
      const proof = tree.getHexProof(Buffer.from(leaf.slice(2), "hex"));
      // A genuine tree whose root was never anchored.
      const unanchored = new MerkleTree([...tree.getLeaves(), keccakBuf(Buffer.from("extra"))], keccakBuf, { sortPairs: true });
      const unanchoredProof = unanchored.getHexProof(Buffer.from(leaf.slice(2), "hex"));
      expect(processProof(unanchoredProof, leaf)).toBe(unanchored.getHexRoot());
      expect(await anchor.getFunction("verify")(unanchored.getHexRoot(), unanchoredProof, leaf)).toBe(false);

      const tampered = [...proof];
      tampered[0] = hex(keccakBuf(Buffer.from("not a sibling")));
      expect(await anchor.getFunction("verify")(root, tampered, leaf)).toBe(false);
      expect(await anchor.getFunction("verify")(root, proof.slice(1), leaf)).toBe(false);

      const otherLeaf = standardLeaf(types, [keccak256(Buffer.from("image 3")), 999]);
      expect(await anchor.getFunction("verify")(root, proof, otherLeaf)).toBe(false);
      // The inner hash alone (a single keccak) is not a leaf: second-preimage protection.
      const inner = keccak256(AbiCoder.defaultAbiCoder().encode(types, [keccak256(Buffer.from("image 3")), 4]));
      expect(await anchor.getFunction("verify")(root, proof, inner)).toBe(false);
    });
  });
});
