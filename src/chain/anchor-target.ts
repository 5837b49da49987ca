import type { Signer } from "ethers";
import { ImprintError } from "../core/errors";
import type { AnchorTarget } from "../ledger/anchor";
import type { AnchorFacts, ChainView } from "../ledger/reconciler";
import { ANCHORED_TOPIC, provenanceAnchorInterface } from "./abi";
import { anchorRoot } from "./anchor";
import { providerOf } from "./provider";
import { readAnchorFacts } from "./chain-facts";

/** Blocks per eth_getLogs request: public RPC providers refuse wide ranges. */
const LOG_RANGE = 5_000;

export interface AnchorTargetOptions {
  chainId: number;
  contract: string;
  confirmations: number;
  timeoutMs: number;
  /** Where to start looking for an earlier Anchored event of a root (the deployment block). */
  fromBlock: number;
  /**
   * Makes what the chain holds now survive a crash of the node (the embedded anvil saves its state); a real
   * chain needs nothing beyond its confirmations.
   */
  persist?: () => Promise<void>;
}

/**
 * The ledger's view of the chain. `anchor` is idempotent, as the batcher's retries require, and resolves only
 * once the anchor is durable: confirmed, persisted (embedded chain) and then read back from the chain.
 */
export function contractAnchorTarget(wallet: Signer, options: AnchorTargetOptions): AnchorTarget & ChainView {
  const provider = providerOf(wallet);
  const contract = options.contract.toLowerCase();
  const inspect = (anchor: { root: string; txHash: string; contract: string }): Promise<AnchorFacts> => readAnchorFacts(provider, anchor);
  return {
    chainId: options.chainId,
    contract,
    async anchor(root, leafCount) {
      const r = await anchorRoot(wallet, {
        contract: options.contract,
        root,
        leafCount,
        confirmations: options.confirmations,
        timeoutMs: options.timeoutMs,
        fromBlock: options.fromBlock,
      });
      await options.persist?.();
      // The final re-check: the anchor as the chain shows it now, after the confirmations (and the save).
      const facts = await inspect({ root, txHash: r.txHash, contract });
      if (!facts.receiptFound || !facts.eventFound || facts.blockNumber !== r.blockNumber || facts.anchoredAt !== r.blockTimestamp) {
        throw new ImprintError("chain_anchor_lost", `The anchor of root ${root} (transaction ${r.txHash}) was no longer on chain when re-checked.`);
      }
      return { txHash: r.txHash, blockNumber: r.blockNumber, blockTimestamp: r.blockTimestamp, gasUsed: r.gasUsed };
    },
    inspect,
    head: () => provider.getBlockNumber(),
    async anchoredRoots(fromBlock, toBlock) {
      const roots: string[] = [];
      for (let from = Math.max(fromBlock, options.fromBlock); from <= toBlock; from += LOG_RANGE) {
        const to = Math.min(toBlock, from + LOG_RANGE - 1);
        const logs = await provider.getLogs({ address: contract, topics: [ANCHORED_TOPIC], fromBlock: from, toBlock: to });
        for (const log of logs) if (!log.removed) roots.push(provenanceAnchorInterface.parseLog(log)!.args.root as string);
      }
      return roots;
    },
  };
}
