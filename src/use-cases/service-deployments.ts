import { readAnchorer } from "../chain/chain-facts";
import { readDeploymentsFile, writeDeploymentsFile } from "../chain/deployments-file";
import { blockTimestamp } from "../chain/receipt";
import { findDeployment, withDeployment, type Deployment, type DeploymentsFile } from "../core/deployments";
import { ImprintError } from "../core/errors";
import { isoOfSeconds } from "../core/time";
import type { Provider } from "ethers";

export interface ServiceDeployments {
  /** What GET /.well-known/imprint-deployments.json publishes and POST /v1/verify trusts. */
  file: DeploymentsFile;
  /** The deployment this service anchors with now. */
  current: Deployment;
}

export interface ResolveDeploymentsInput {
  provider: Provider;
  /** The deployments file (written by npm run deploy, or by the embedded chain's first start). */
  file: string;
  chainId: number;
  contract: string;
  /**
   * The embedded chain: its deployment is added to the file (marked local) when new, with this name and the
   * block of its deployment. Absent: the contract must already be listed, as `npm run deploy` lists it.
   */
  embedded?: { name: string; deployBlock: number };
}

/**
 * Which deployments this service vouches for. The contract it anchors with must be listed, in use (no `until`),
 * and its anchorer on chain must be the listed one, or the service would publish a file its own bundles fail.
 */
export async function resolveServiceDeployments(input: ResolveDeploymentsInput): Promise<ServiceDeployments> {
  const contract = input.contract.toLowerCase();
  const anchorer = await readAnchorer(input.provider, contract);
  if (!anchorer) throw new ImprintError("deployments_file_invalid", `no ProvenanceAnchor at ${contract} on chain ${input.chainId}`);
  let file = readDeploymentsFile(input.file);
  let current = file && findDeployment(file.deployments, input.chainId, contract);
  if (!current && input.embedded) {
    current = {
      name: input.embedded.name,
      chainId: input.chainId,
      contract,
      anchorer,
      from: isoOfSeconds(await blockTimestamp(input.provider, input.embedded.deployBlock)),
      local: true,
    };
    file = withDeployment(file, current);
    writeDeploymentsFile(input.file, file);
  }
  if (!file || !current) {
    throw new ImprintError("deployments_file_invalid", `${input.file} does not list contract ${contract} on chain ${input.chainId}: run npm run deploy, or add it`);
  }
  if (current.until !== undefined) throw new ImprintError("deployments_file_invalid", `${input.file} lists deployment ${current.name} as retired (until ${current.until})`);
  if (current.anchorer !== anchorer) {
    throw new ImprintError("deployments_file_invalid", `${input.file} lists anchorer ${current.anchorer} for ${current.name}; the chain says ${anchorer}`);
  }
  return { file, current };
}
