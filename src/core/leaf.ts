import { AbiCoder, keccak256, toUtf8Bytes } from "ethers";

/**
 * What a registration commits to, in the order and ABI types of the leaf:
 * `[sha256 bytes32, pdq bytes32, phash uint64, registeredAtMs uint64, owner bytes32]`.
 */
export const LEAF_TYPES = ["bytes32", "bytes32", "uint64", "uint64", "bytes32"] as const;

export interface LeafValues {
  /** SHA-256 of the registered bytes, 0x + 64 hex. */
  sha256: string;
  /** PDQ hash, 0x + 64 hex. */
  pdq: string;
  /** 64-bit DCT pHash (unsigned). */
  phash: bigint;
  /** Server UTC time of registration, milliseconds since the epoch. */
  registeredAtMs: number;
  /** Account that registered, as given to `ownerOf`. */
  accountId: string;
}

/** The owner field of a leaf: keccak256 of the account id's UTF-8 bytes (an id, not a secret). */
export function ownerOf(accountId: string): string {
  return keccak256(toUtf8Bytes(accountId));
}

/**
 * OpenZeppelin's StandardMerkleTree leaf: `keccak256(bytes.concat(keccak256(abi.encode(values))))`.
 * Hashing twice keeps a leaf from ever equalling an inner node (second-preimage safety). Solidity twin:
 * `keccak256(bytes.concat(keccak256(abi.encode(sha256, pdq, phash, registeredAtMs, owner))))`.
 */
export function leafHash(values: LeafValues): string {
  return standardLeaf(LEAF_TYPES, [
    values.sha256,
    values.pdq,
    BigInt.asUintN(64, values.phash),
    BigInt(values.registeredAtMs),
    ownerOf(values.accountId),
  ]);
}

/** `keccak256(keccak256(abi.encode(values)))`: OpenZeppelin's StandardMerkleTree leaf of `types`. */
function standardLeaf(types: readonly string[], values: readonly unknown[]): string {
  return keccak256(keccak256(AbiCoder.defaultAbiCoder().encode(types, values)));
}

/**
 * A registration's id is derived from its leaf, so the id in an evidence bundle is bound to what was
 * anchored: change one character of it and it no longer matches the leaf.
 */
export function registrationIdOf(leaf: string): string {
  return "reg_" + leaf.slice(2, 26);
}

/** What a signed registration (format v2) commits to besides the v1 values. */
export interface SignedLeafValues extends LeafValues {
  productId: string;
  /** Seconds, as signed. */
  signedAt: number;
  /** The signing key's address, 0x + 40 hex. */
  signer: string;
  /** The 65-byte EIP-712 signature, 0x + 130 hex. */
  signature: string;
}

/** `[… v1 …, productIdHash bytes32, signedAt uint64, signer address, signatureHash bytes32]`. */
export const SIGNED_LEAF_TYPES = [...LEAF_TYPES, "bytes32", "uint64", "address", "bytes32"] as const;

/**
 * The leaf of a signed registration: the v1 values, then `keccak256(utf8(productId))`, `signedAt`, the signer and
 * `keccak256(signature)`, so neither the signer nor the signature can be swapped once anchored. Nine words
 * against v1's five: a v1 and a v2 leaf never share an encoding.
 */
export function signedLeafHash(values: SignedLeafValues): string {
  return standardLeaf(SIGNED_LEAF_TYPES, [
    values.sha256,
    values.pdq,
    BigInt.asUintN(64, values.phash),
    BigInt(values.registeredAtMs),
    ownerOf(values.accountId),
    keccak256(toUtf8Bytes(values.productId)),
    BigInt(values.signedAt),
    values.signer,
    keccak256(values.signature),
  ]);
}

/** An anchor as a bundle states it. */
export interface AnchorValues {
  chainId: number;
  contract: string;
  txHash: string;
  blockNumber: number;
  blockTimestamp: number;
}

export const REANCHOR_LEAF_TYPES = ["bytes32", "uint256", "address", "bytes32", "uint64", "uint64"] as const;

/**
 * A leaf of a root of roots: one old root together with where and when it was anchored,
 * `keccak256(keccak256(abi.encode(root, chainId, contract, txHash, blockNumber, blockTimestamp)))`. Re-anchoring
 * thus also carries the old anchor's facts to the new chain, where the old chain may no longer answer.
 */
export function reanchorLeafHash(root: string, anchor: AnchorValues): string {
  return standardLeaf(REANCHOR_LEAF_TYPES, [
    root,
    BigInt(anchor.chainId),
    anchor.contract,
    anchor.txHash,
    BigInt(anchor.blockNumber),
    BigInt(anchor.blockTimestamp),
  ]);
}
