/**
 * npm run deploy — deploys ProvenanceAnchor to CHAIN_RPC_URL with CHAIN_PRIVATE_KEY and adds it to the
 * deployments file (DEPLOYMENTS_FILE, default DATA_DIR/deployments.json), retiring the one in use before.
 * CHAIN_ANCHORER (optional) is the account allowed to anchor; default: the deployer.
 * DEPLOYMENT_NAME (optional) names it; default chain-<chainId>-<first 8 hex digits of the address>.
 */
import path from "node:path";
import { getAddress, isHexString } from "ethers";
import { deployAnchor } from "../src/chain/deploy";
import { readDeploymentsFile, writeDeploymentsFile } from "../src/chain/deployments-file";
import { createChainClient } from "../src/chain/provider";
import { blockTimestamp } from "../src/chain/receipt";
import { LOCAL_CHAIN_ID, withDeployment, type Deployment } from "../src/core/deployments";
import { isoOfSeconds } from "../src/core/time";

async function main(): Promise<number> {
  const { CHAIN_RPC_URL, CHAIN_PRIVATE_KEY, CHAIN_ANCHORER, CHAIN_TX_TIMEOUT_MS, DEPLOYMENT_NAME, DEPLOYMENTS_FILE, DATA_DIR } = process.env;
  const deploymentsFile = DEPLOYMENTS_FILE || path.join(DATA_DIR || "./data", "deployments.json");
  // Refuse a malformed file before spending gas.
  const previous = readDeploymentsFile(deploymentsFile);
  if (!CHAIN_RPC_URL || !CHAIN_PRIVATE_KEY) {
    console.error(
      [
        "npm run deploy needs a chain to deploy to. Set:",
        "  CHAIN_RPC_URL      JSON-RPC endpoint, e.g. https://sepolia.example/v3/KEY or http://127.0.0.1:8545",
        "  CHAIN_PRIVATE_KEY  0x-prefixed key of a funded deployer account",
        "  CHAIN_ANCHORER     (optional) address allowed to anchor roots; default: the deployer",
        `Missing: ${[!CHAIN_RPC_URL && "CHAIN_RPC_URL", !CHAIN_PRIVATE_KEY && "CHAIN_PRIVATE_KEY"].filter(Boolean).join(", ")}.`,
      ].join("\n"),
    );
    return 1;
  }
  if (!isHexString(CHAIN_PRIVATE_KEY, 32)) {
    console.error("CHAIN_PRIVATE_KEY must be a 0x-prefixed 32-byte hex key.");
    return 1;
  }
  let anchorer: string | undefined;
  if (CHAIN_ANCHORER) {
    try {
      anchorer = getAddress(CHAIN_ANCHORER);
    } catch {
      console.error(`CHAIN_ANCHORER is not an address: ${CHAIN_ANCHORER}`);
      return 1;
    }
  }

  const { provider, wallet, address } = createChainClient({ rpcUrl: CHAIN_RPC_URL, privateKey: CHAIN_PRIVATE_KEY });
  try {
    const chainId = Number((await provider.getNetwork()).chainId);
    const balance = await provider.getBalance(address);
    console.log(`Deploying ProvenanceAnchor to chain ${chainId} from ${address} (balance ${balance} wei)`);
    const deployed = await deployAnchor(wallet, anchorer, { timeoutMs: Number(CHAIN_TX_TIMEOUT_MS) || 300_000 });
    console.log(`ProvenanceAnchor deployed at ${deployed.address}`);
    console.log(`  tx ${deployed.txHash}, block ${deployed.blockNumber}, gas ${deployed.gasUsed}`);
    console.log(`  anchorer ${deployed.anchorer}`);
    const contract = deployed.address.toLowerCase();
    const deployment: Deployment = {
      name: DEPLOYMENT_NAME || `chain-${chainId}-${contract.slice(2, 10)}`,
      chainId,
      contract,
      anchorer: deployed.anchorer.toLowerCase(),
      from: isoOfSeconds(await blockTimestamp(provider, deployed.blockNumber)),
      // Whoever runs a development chain sets its block times: it proves nothing to a third party.
      ...(chainId === LOCAL_CHAIN_ID ? { local: true } : {}),
    };
    writeDeploymentsFile(deploymentsFile, withDeployment(previous, deployment));
    console.log(`Deployment ${deployment.name} added to ${deploymentsFile} (publish it; the service serves it at /.well-known/imprint-deployments.json)`);
    console.log("Add to your environment:");
    console.log(`CHAIN_CONTRACT=${deployed.address}`);
    console.log(`DEPLOYMENTS_FILE=${path.resolve(deploymentsFile)}`);
    return 0;
  } finally {
    provider.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`Deploy failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
