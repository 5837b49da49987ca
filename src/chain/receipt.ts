/**
 * Waits for a transaction receipt by polling, always with a deadline: anvil answers eth_sendRawTransaction
 * before it mines, and ethers' tx.wait() without a timeout was seen to hang.
 */
import type { Provider, TransactionReceipt } from "ethers";
import { ImprintError } from "../core/errors";

/** How often a transaction still unmined is looked up in the node. */
const PRESENCE_CHECK_MS = 1_000;

export interface WaitForReceiptOptions {
  /** Blocks on top of and including the receipt's block (1 = mined). */
  confirmations?: number;
  timeoutMs?: number;
  pollMs?: number;
}

export async function waitForReceipt(
  provider: Provider,
  txHash: string,
  { confirmations = 1, timeoutMs = 60_000, pollMs = 50 }: WaitForReceiptOptions = {},
): Promise<TransactionReceipt> {
  const deadline = Date.now() + timeoutMs;
  let nextPresenceCheck = Date.now() + PRESENCE_CHECK_MS;
  let misses = 0;
  for (;;) {
    const receipt = await provider.getTransactionReceipt(txHash);
    if (!receipt && Date.now() >= nextPresenceCheck) {
      // A node that no longer knows the transaction will never mine it (dropped from the pool, or the node
      // restarted from older state): fail now rather than at the deadline, and let the caller send it again.
      misses = (await provider.getTransaction(txHash)) ? 0 : misses + 1;
      if (misses >= 2) throw new ImprintError("chain_unavailable", `Transaction ${txHash} is no longer known to the node.`);
      nextPresenceCheck = Date.now() + PRESENCE_CHECK_MS;
    }
    if (receipt) {
      if (confirmations <= 1) return receipt;
      const head = await provider.getBlockNumber();
      if (head - receipt.blockNumber + 1 >= confirmations) {
        // Re-read: a reorg may have moved or dropped the transaction while we waited.
        const again = await provider.getTransactionReceipt(txHash);
        if (again && again.blockHash === receipt.blockHash) return again;
        continue;
      }
    }
    if (Date.now() >= deadline) {
      throw new ImprintError(
        "chain_timeout",
        `Transaction ${txHash} was not ${receipt ? `confirmed ${confirmations} times` : "mined"} within ${timeoutMs} ms.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** The timestamp (seconds) of block `blockNumber`. */
export async function blockTimestamp(provider: Provider, blockNumber: number): Promise<number> {
  const block = await provider.getBlock(blockNumber);
  if (!block) throw new ImprintError("chain_block_missing", `The node does not know block ${blockNumber}.`);
  return block.timestamp;
}
