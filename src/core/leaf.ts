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
  const encoded = AbiCoder.defaultAbiCoder().encode(LEAF_TYPES, [
    values.sha256,
    values.pdq,
    BigInt.asUintN(64, values.phash),
    BigInt(values.registeredAtMs),
    ownerOf(values.accountId),
  ]);
  return keccak256(keccak256(encoded));
}

/**
 * A registration's id is derived from its leaf, so the id in an evidence bundle is bound to what was
 * anchored: change one character of it and it no longer matches the leaf.
 */
export function registrationIdOf(leaf: string): string {
  return "reg_" + leaf.slice(2, 26);
}
