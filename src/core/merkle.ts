import { concat, getBytes, keccak256 } from "ethers";
import { MerkleTree } from "merkletreejs";
import { invariant } from "./errors";

/**
 * Batches of leaves become a merkletreejs tree with keccak256 and sorted pairs, which is exactly the node
 * hashing of OpenZeppelin's `MerkleProof` (`Hashes.commutativeKeccak256`), so every proof verifies on chain.
 */
export interface SealedTree {
  root: string;
  /** proofs[i] proves leaves[i]. */
  proofs: string[][];
}

const keccakBuffer = (data: Buffer) => Buffer.from(getBytes(keccak256(data)));

export function buildTree(leaves: readonly string[]): SealedTree {
  invariant(leaves.length > 0, "a batch has at least one leaf");
  const tree = new MerkleTree(leaves.map((leaf) => Buffer.from(getBytes(leaf))), keccakBuffer, { sortPairs: true });
  const root = tree.getHexRoot();
  const proofs = leaves.map((leaf, i) => {
    const proof = tree.getHexProof(Buffer.from(getBytes(leaf)), i);
    // Like OpenZeppelin's getProof: never hand out a proof we have not checked ourselves.
    invariant(processProof(leaf, proof) === root, `proof of leaf ${i} folds to the root`);
    return proof;
  });
  return { root, proofs };
}

/** `Hashes.commutativeKeccak256`: hash the pair in ascending order. */
export function nodeHash(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/** Folds a proof from a leaf up to the root it implies (`MerkleProof.processProof`). */
export function processProof(leaf: string, proof: readonly string[]): string {
  return proof.reduce((node, sibling) => nodeHash(node, sibling), leaf.toLowerCase());
}
