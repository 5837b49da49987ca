import { keccak_256 } from "@noble/hashes/sha3.js";
import { MerkleTree } from "merkletreejs";
import { invariant } from "./errors";
import { toHex, fromHex } from "./hex";

/**
 * Batches of leaves become a merkletreejs tree with keccak256 and sorted pairs, which is exactly the node
 * hashing of OpenZeppelin's `MerkleProof` (`Hashes.commutativeKeccak256`), so every proof verifies on chain.
 */
export interface SealedTree {
  root: string;
  /** proofs[i] proves leaves[i]. */
  proofs: string[][];
}

const keccak = (data: Uint8Array) => Buffer.from(keccak_256(data));

export function buildTree(leaves: readonly string[]): SealedTree {
  invariant(leaves.length > 0, "a batch has at least one leaf");
  const leafBytes = leaves.map((hex) => fromHex(hex));
  const tree = new MerkleTree(leafBytes, keccak, { sortPairs: true });
  const root = tree.getHexRoot();
  const rootBytes = fromHex(root);
  const proofs = leafBytes.map((leaf, i) => {
    const proof = tree.getProof(leaf, i).map((step) => step.data);
    // Like OpenZeppelin's getProof: never hand out a proof we have not checked ourselves.
    invariant(foldProof(leaf, proof).equals(rootBytes), `proof of leaf ${i} folds to the root`);
    return proof.map(toHex);
  });
  return { root, proofs };
}

/** `Hashes.commutativeKeccak256`: hash the pair in ascending (unsigned big-endian) order. */
function nodeHash(a: Buffer, b: Buffer): Buffer {
  return Buffer.compare(a, b) <= 0 ? keccak(Buffer.concat([a, b])) : keccak(Buffer.concat([b, a]));
}

function foldProof(leaf: Buffer, proof: readonly Buffer[]): Buffer {
  return proof.reduce((node, sibling) => nodeHash(node, sibling), leaf);
}

/** Folds a proof from a leaf up to the root it implies (`MerkleProof.processProof`); 0x-hex in and out. */
export function processProof(leaf: string, proof: readonly string[]): string {
  return toHex(foldProof(fromHex(leaf), proof.map((hex) => fromHex(hex))));
}
