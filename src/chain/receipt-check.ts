/**
 * Reads the on-chain evidence of an anchor straight from an RPC node (nothing from our database), for the
 * verifier: the receipt of the anchoring transaction, its Anchored(root) event, the block time, anchoredAt(root).
 */
import { Contract, type Provider } from "ethers";
import { ANCHORED_TOPIC, PROVENANCE_ANCHOR_ABI, provenanceAnchorInterface } from "./abi";

export interface ReadAnchorEvidenceParameters {
  contract: string;
  txHash: string;
  root: string;
}

export interface AnchorEvidence {
  chainId: number;
  /** The node knows a mined receipt for txHash. */
  receiptFound: boolean;
  /** The receipt succeeded and holds Anchored(root) emitted by `contract`. */
  eventFound: boolean;
  receiptStatus: number | null;
  blockNumber: number | null;
  blockHash: string | null;
  /** Seconds, of the receipt's block. */
  blockTimestamp: number | null;
  /** The `timestamp` field of the event (the contract's block.timestamp). */
  eventTimestamp: number | null;
  leafCount: number | null;
  /** anchoredAt(root) at the latest block: 0 = never anchored, null = no contract code at `contract`. */
  anchoredAt: number | null;
  confirmations: number | null;
}

export async function readAnchorEvidence(
  provider: Provider,
  { contract, txHash, root }: ReadAnchorEvidenceParameters,
): Promise<AnchorEvidence> {
  const [network, receipt, code, head] = await Promise.all([
    provider.getNetwork(),
    provider.getTransactionReceipt(txHash),
    provider.getCode(contract),
    provider.getBlockNumber(),
  ]);
  const anchoredAt =
    code === "0x" ? null : Number(await new Contract(contract, PROVENANCE_ANCHOR_ABI, provider).getFunction("anchoredAt")(root));
  const evidence: AnchorEvidence = {
    chainId: Number(network.chainId),
    receiptFound: receipt !== null,
    eventFound: false,
    receiptStatus: receipt?.status ?? null,
    blockNumber: receipt?.blockNumber ?? null,
    blockHash: receipt?.blockHash ?? null,
    blockTimestamp: null,
    eventTimestamp: null,
    leafCount: null,
    anchoredAt,
    confirmations: receipt ? head - receipt.blockNumber + 1 : null,
  };
  if (!receipt) return evidence;

  const block = await provider.getBlock(receipt.blockNumber);
  evidence.blockTimestamp = block?.timestamp ?? null;
  if (receipt.status !== 1) return evidence;
  const log = receipt.logs.find(
    (l) =>
      l.address.toLowerCase() === contract.toLowerCase() &&
      l.topics[0] === ANCHORED_TOPIC &&
      l.topics[1]?.toLowerCase() === root.toLowerCase(),
  );
  if (log) {
    const event = provenanceAnchorInterface.parseLog(log)!;
    evidence.eventFound = true;
    evidence.eventTimestamp = Number(event.args.timestamp);
    evidence.leafCount = Number(event.args.leafCount);
  }
  return evidence;
}
