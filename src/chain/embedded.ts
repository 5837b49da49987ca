/**
 * Deploys the anchor contract once per chain and remembers where, in DATA_DIR/chain/deployment.json.
 * On restart the deployment is reused if its code is still there (e.g. anvil restored its --state), else redeployed.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import type { Signer } from "ethers";
import { deployAnchor } from "./deploy";
import { silentLogger, type Logger } from "../observability/logger";
import { providerOf } from "./provider";

export const DEPLOYMENT_FORMAT = "imprint-anchor-deployment-v1";

export interface Deployment {
  format: typeof DEPLOYMENT_FORMAT;
  chainId: number;
  address: string;
  txHash: string;
  blockNumber: number;
  anchorer: string;
}

export interface EnsureDeploymentParameters {
  wallet: Signer;
  dataDir: string;
  anchorer?: string;
  log?: Logger;
  timeoutMs?: number;
}

export function deploymentFile(dataDir: string): string {
  return path.join(dataDir, "chain", "deployment.json");
}

export async function ensureDeployment({
  wallet,
  dataDir,
  anchorer,
  log = silentLogger,
  timeoutMs,
}: EnsureDeploymentParameters): Promise<Deployment & { reused: boolean }> {
  const provider = providerOf(wallet);
  const chainId = Number((await provider.getNetwork()).chainId);
  const file = deploymentFile(dataDir);
  const saved = readDeployment(file);

  if (saved) {
    if (saved.chainId !== chainId) {
      log.info(`chain: ${file} is for chain ${saved.chainId}, the node is chain ${chainId}; deploying a new ProvenanceAnchor`);
    } else if ((await provider.getCode(saved.address)) === "0x") {
      log.info(`chain: no contract code at ${saved.address} on chain ${chainId} any more (chain reset?); redeploying ProvenanceAnchor`);
    } else {
      return { ...saved, reused: true };
    }
  }

  const deployed = await deployAnchor(wallet, anchorer, { timeoutMs });
  const deployment: Deployment = {
    format: DEPLOYMENT_FORMAT,
    chainId,
    address: deployed.address,
    txHash: deployed.txHash,
    blockNumber: deployed.blockNumber,
    anchorer: deployed.anchorer,
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(deployment, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  log.info(`chain: deployed ProvenanceAnchor at ${deployment.address} on chain ${chainId} (tx ${deployment.txHash})`);
  return { ...deployment, reused: false };
}

export function readDeployment(file: string): Deployment | null {
  if (!existsSync(file)) return null;
  const json = JSON.parse(readFileSync(file, "utf8")) as Partial<Deployment>;
  if (json.format !== DEPLOYMENT_FORMAT) {
    throw new Error(`${file}: unknown format ${JSON.stringify(json.format)}, expected ${DEPLOYMENT_FORMAT}`);
  }
  if (typeof json.chainId !== "number" || typeof json.address !== "string" || typeof json.blockNumber !== "number") {
    throw new Error(`${file}: malformed deployment record`);
  }
  return json as Deployment;
}
