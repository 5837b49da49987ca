import type { Provider } from "ethers";
import type { AnchoredRoot } from "../core/anchor-checks";
import type { ChainFacts } from "../core/verify";
import { readAnchorEvidence } from "./receipt-check";

/** Reads the anchor of a bundle or receipt from whatever RPC `provider` talks to, in the verifier's terms. */
export function chainFactsReader(provider: Provider) {
  return async function readChainFacts(bundle: AnchoredRoot): Promise<ChainFacts> {
    const evidence = await readAnchorEvidence(provider, {
      contract: bundle.anchor.contract,
      txHash: bundle.anchor.txHash,
      root: bundle.merkle.root,
    });
    return {
      chainId: evidence.chainId,
      receiptFound: evidence.receiptFound && evidence.receiptStatus === 1,
      eventFound: evidence.eventFound,
      blockNumber: evidence.blockNumber,
      blockTimestamp: evidence.blockTimestamp,
      anchoredAt: evidence.anchoredAt ?? 0,
    };
  };
}
