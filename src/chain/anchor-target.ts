import type { Signer } from "ethers";
import type { AnchorTarget } from "../ledger/anchor";
import { anchorRoot } from "./anchor";

export interface AnchorTargetOptions {
  chainId: number;
  contract: string;
  confirmations: number;
  timeoutMs: number;
  /** Where to start looking for an earlier Anchored event of a root (the deployment block). */
  fromBlock: number;
}

/** The ledger's view of the chain: anchorRoot is idempotent, as the batcher's retries require. */
export function contractAnchorTarget(wallet: Signer, options: AnchorTargetOptions): AnchorTarget {
  return {
    chainId: options.chainId,
    contract: options.contract.toLowerCase(),
    async anchor(root, leafCount) {
      const r = await anchorRoot(wallet, {
        contract: options.contract,
        root,
        leafCount,
        confirmations: options.confirmations,
        timeoutMs: options.timeoutMs,
        fromBlock: options.fromBlock,
      });
      return { txHash: r.txHash, blockNumber: r.blockNumber, blockTimestamp: r.blockTimestamp, gasUsed: r.gasUsed };
    },
  };
}
