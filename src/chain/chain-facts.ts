import type { Provider } from "ethers";
import type { EvidenceBundle } from "../core/bundle";
import type { ChainFacts } from "../core/verify";
import type { AnchorFacts } from "../ledger/reconciler";
import { readAnchorEvidence } from "./receipt-check";

/** What the chain says now about an anchor (receipt, event, block time, anchoredAt) and how deep it is. */
export async function readAnchorFacts(provider: Provider, anchor: { contract: string; txHash: string; root: string }): Promise<AnchorFacts> {
  const evidence = await readAnchorEvidence(provider, anchor);
  return {
    chainId: evidence.chainId,
    receiptFound: evidence.receiptFound && evidence.receiptStatus === 1,
    eventFound: evidence.eventFound,
    blockNumber: evidence.blockNumber,
    blockTimestamp: evidence.blockTimestamp,
    anchoredAt: evidence.anchoredAt ?? 0,
    confirmations: evidence.confirmations ?? 0,
  };
}

/** Reads a bundle's anchor from whatever RPC `provider` talks to, in the verifier's terms. */
export function chainFactsReader(provider: Provider) {
  return function readChainFacts(bundle: EvidenceBundle): Promise<ChainFacts> {
    return readAnchorFacts(provider, { contract: bundle.anchor.contract, txHash: bundle.anchor.txHash, root: bundle.merkle.root });
  };
}
