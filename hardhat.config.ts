// CommonJS syntax on purpose: with `module: preserve` ts-node would keep ES `import`s, and Node 20.19+
// then loads this file as an ES module, where Hardhat 2's extensionless subpaths do not resolve.
import type { HardhatUserConfig } from "hardhat/types";
import hardhatConfig = require("hardhat/config");
import taskNames = require("hardhat/builtin-tasks/task-names");

const { subtask } = hardhatConfig;
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = taskNames;

/** The npm `solc` package is pinned to this exact version; no compiler is ever downloaded. */
const SOLC_VERSION = "0.8.30";

// Compile offline with solc-js from node_modules instead of downloading a native solc.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(async ({ solcVersion }: { solcVersion: string }) => {
  if (solcVersion !== SOLC_VERSION) {
    throw new Error(`Only solc ${SOLC_VERSION} is available offline (asked for ${solcVersion}).`);
  }
  const compilerPath = require.resolve("solc/soljson.js");
  const wrapper = require("solc/wrapper");
  const longVersion: string = wrapper(require(compilerPath)).version();
  if (!longVersion.startsWith(SOLC_VERSION)) {
    throw new Error(`node_modules/solc is ${longVersion}, expected ${SOLC_VERSION}: run npm ci.`);
  }
  return { compilerPath, isSolcJs: true, version: SOLC_VERSION, longVersion };
});

const { CHAIN_RPC_URL, CHAIN_PRIVATE_KEY } = process.env;

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      // Hardhat 2 would default to paris; cancun runs on anvil 1.7 (default prague) and on Sepolia.
      evmVersion: "cancun",
    },
  },
  defaultNetwork: "hardhat",
  networks: {
    hardhat: {
      hardfork: "cancun",
      // Block time is evidence: do not let fast blocks run ahead of the clock.
      allowBlocksWithSameTimestamp: true,
    },
    ...(CHAIN_RPC_URL
      ? { testnet: { url: CHAIN_RPC_URL, accounts: CHAIN_PRIVATE_KEY ? [CHAIN_PRIVATE_KEY] : [] } }
      : {}),
  },
};

export = config;
