/**
 * npm run deploy — deploys ProvenanceAnchor to CHAIN_RPC_URL with CHAIN_PRIVATE_KEY.
 * CHAIN_ANCHORER (optional) is the account allowed to anchor; default: the deployer.
 */
import { getAddress, isHexString } from "ethers";
import { deployAnchor } from "../src/chain/deploy";
import { createChainClient } from "../src/chain/provider";

async function main(): Promise<number> {
  const { CHAIN_RPC_URL, CHAIN_PRIVATE_KEY, CHAIN_ANCHORER, CHAIN_TX_TIMEOUT_MS } = process.env;
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
    console.log("Add to your environment:");
    console.log(`CHAIN_CONTRACT=${deployed.address}`);
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
