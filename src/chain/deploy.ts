/** Deploys a ProvenanceAnchor and waits (with a deadline) for its receipt. */
import { ContractFactory, type Signer } from "ethers";
import { ImprintError } from "../core/errors";
import { loadAnchorArtifact, type AnchorArtifact } from "./artifact";
import { providerOf } from "./provider";
import { waitForReceipt, type WaitForReceiptOptions } from "./receipt";

export interface DeployAnchorResult {
  address: string;
  txHash: string;
  blockNumber: number;
  gasUsed: number;
  anchorer: string;
}

export async function deployAnchor(
  wallet: Signer,
  anchorerAddress?: string,
  { artifact = loadAnchorArtifact(), ...wait }: WaitForReceiptOptions & { artifact?: AnchorArtifact } = {},
): Promise<DeployAnchorResult> {
  const anchorer = anchorerAddress ?? (await wallet.getAddress());
  const factory = new ContractFactory(artifact.abi, artifact.bytecode, wallet);
  const tx = await wallet.sendTransaction(await factory.getDeployTransaction(anchorer));
  const receipt = await waitForReceipt(providerOf(wallet), tx.hash, wait);
  if (receipt.status !== 1 || !receipt.contractAddress) {
    throw new ImprintError("chain_deploy_failed", `Deploying ProvenanceAnchor failed in transaction ${tx.hash}.`);
  }
  return {
    address: receipt.contractAddress,
    txHash: tx.hash,
    blockNumber: receipt.blockNumber,
    gasUsed: Number(receipt.gasUsed),
    anchorer,
  };
}
