/**
 * Anchors a Merkle root, idempotently: if the root is already on chain (a crash after sending, a retry,
 * a concurrent batcher) the existing anchor is returned instead of an error.
 */
import { Contract, isHexString, ZeroHash, type Provider, type Signer } from "ethers";
import { ImprintError, validate } from "../core/errors";
import { ANCHORED_TOPIC, PROVENANCE_ANCHOR_ABI, decodeAnchorError, provenanceAnchorInterface } from "./abi";
import { providerOf } from "./provider";
import { blockTimestamp, waitForReceipt } from "./receipt";

const MAX_UINT64 = (1n << 64n) - 1n;

export interface AnchorRootParameters {
  contract: string;
  /** 0x-prefixed 32-byte Merkle root. */
  root: string;
  leafCount: number | bigint;
  confirmations?: number;
  timeoutMs?: number;
  pollMs?: number;
  /** Lowest block to search for an existing Anchored event (the deployment block). */
  fromBlock?: number;
}

export interface AnchorRootReturnType {
  txHash: string;
  blockNumber: number;
  /** Seconds; equals anchoredAt(root) on chain. */
  blockTimestamp: number;
  gasUsed: number;
  leafCount: number;
  /** True when the root was anchored before this call (nothing was sent, or our send lost the race). */
  alreadyAnchored: boolean;
}

export async function anchorRoot(
  wallet: Signer,
  { contract, root, leafCount, confirmations = 1, timeoutMs = 60_000, pollMs = 50, fromBlock = 0 }: AnchorRootParameters,
): Promise<AnchorRootReturnType> {
  validate(isHexString(root, 32) && root !== ZeroHash, "invalid_root", "A root is a non-zero 32-byte hex string.");
  const count = BigInt(leafCount);
  validate(count > 0n && count <= MAX_UINT64, "invalid_leaf_count", "A root covers 1 to 2^64-1 leaves.");
  const provider = providerOf(wallet);
  const anchorContract = new Contract(contract, PROVENANCE_ANCHOR_ABI, wallet);
  const wait = { confirmations, timeoutMs, pollMs };

  const existing = await existingAnchor(provider, contract, root, fromBlock, wait);
  if (existing) return existing;

  let txHash: string;
  try {
    txHash = (await anchorContract.getFunction("anchor")(root, count)).hash;
  } catch (err) {
    // Lost a race between our check and the send: someone anchored it in between.
    if (revertName(err) === "ProvenanceAnchorAlreadyAnchored") {
      const raced = await existingAnchor(provider, contract, root, fromBlock, wait);
      if (raced) return raced;
    }
    throw chainError(err, `Anchoring root ${root} failed`);
  }

  const receipt = await waitForReceipt(provider, txHash, wait);
  if (receipt.status !== 1) {
    // Reverted on chain: most likely an earlier transaction for the same root was mined first.
    const raced = await existingAnchor(provider, contract, root, fromBlock, wait);
    if (raced) return raced;
    throw new ImprintError("chain_anchor_reverted", `The anchor transaction ${txHash} reverted.`);
  }
  const event = receipt.logs
    .filter((log) => sameAddress(log.address, contract) && log.topics[0] === ANCHORED_TOPIC && log.topics[1] === root)
    .map((log) => provenanceAnchorInterface.parseLog(log)!)[0];
  if (!event) throw new Error(`invariant violated: transaction ${txHash} succeeded without an Anchored event`);
  const timestamp = await blockTimestamp(provider, receipt.blockNumber);
  return {
    txHash,
    blockNumber: receipt.blockNumber,
    blockTimestamp: timestamp,
    gasUsed: Number(receipt.gasUsed),
    leafCount: Number(event.args.leafCount),
    alreadyAnchored: false,
  };
}

export interface FindAnchorParameters {
  contract: string;
  root: string;
  fromBlock?: number;
  toBlock?: number | "latest";
}

export interface FoundAnchor {
  txHash: string;
  blockNumber: number;
  blockTimestamp: number;
  leafCount: number;
}

/** Locates the Anchored event of `root` (getLogs filtered by the indexed root), or null if there is none. */
export async function findAnchor(
  provider: Provider,
  { contract, root, fromBlock = 0, toBlock = "latest" }: FindAnchorParameters,
): Promise<FoundAnchor | null> {
  const logs = await provider.getLogs({ address: contract, topics: [ANCHORED_TOPIC, root], fromBlock, toBlock });
  const log = logs.find((l) => !l.removed);
  if (!log) return null;
  const event = provenanceAnchorInterface.parseLog(log)!;
  return {
    txHash: log.transactionHash,
    blockNumber: log.blockNumber,
    blockTimestamp: await blockTimestamp(provider, log.blockNumber),
    leafCount: Number(event.args.leafCount),
  };
}

/** anchoredAt(root) in seconds, 0 when never anchored. */
export async function readAnchoredAt(provider: Provider, contract: string, root: string): Promise<number> {
  const anchorContract = new Contract(contract, PROVENANCE_ANCHOR_ABI, provider);
  return Number(await anchorContract.getFunction("anchoredAt")(root));
}

async function existingAnchor(
  provider: Provider,
  contract: string,
  root: string,
  fromBlock: number,
  wait: { confirmations: number; timeoutMs: number; pollMs: number },
): Promise<AnchorRootReturnType | null> {
  const anchoredAt = await readAnchoredAt(provider, contract, root);
  if (anchoredAt === 0) return null;
  const found = await findAnchor(provider, { contract, root, fromBlock });
  if (!found) {
    throw new ImprintError(
      "chain_anchor_event_missing",
      `Root ${root} is anchored at ${anchoredAt} but its Anchored event was not found from block ${fromBlock}.`,
    );
  }
  const receipt = await waitForReceipt(provider, found.txHash, wait);
  return { ...found, gasUsed: Number(receipt.gasUsed), alreadyAnchored: true };
}

/** The custom error name of a contract revert, if ethers' error carries one. */
export function revertName(err: unknown): string | undefined {
  return decodeAnchorError(err)?.name;
}

function chainError(err: unknown, what: string): ImprintError {
  const name = revertName(err);
  if (name) return new ImprintError("chain_anchor_rejected", `${what}: the contract rejected it (${name}).`, { cause: err });
  return new ImprintError("chain_unavailable", `${what}: the chain did not answer.`, { cause: err });
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
