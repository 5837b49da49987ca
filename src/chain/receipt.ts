/**
 * Waits for a transaction receipt by polling, always with a deadline: anvil answers eth_sendRawTransaction
 * before it mines, and ethers' tx.wait() without a timeout was seen to hang.
 */
import type { Provider, TransactionReceipt } from "ethers";
import { ImprintError } from "../core/errors";

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
  for (;;) {
    const receipt = await provider.getTransactionReceipt(txHash);
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
