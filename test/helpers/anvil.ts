/**
 * Test helper: a real anvil on a free port with the anchor contract's artifact checked up front.
 * Stop it in afterAll/afterEach (`await chain.stop()`).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { ARTIFACT_RELATIVE_PATH, findRepoRoot } from "../../src/chain/artifact";
import { EMBEDDED_ANCHORER_KEY, startAnvil, type AnvilInstance, type StartAnvilOptions } from "../../src/chain/anvil";
import { createChainClient, type ChainClient } from "../../src/chain/provider";

/** anvil's second default dev account: a key that is not the anchorer. */
export const OTHER_DEV_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

export interface TestChain extends ChainClient {
  anvil: AnvilInstance;
  rpcUrl: string;
  stop(): Promise<void>;
}

export function assertCompiled(): void {
  const file = path.join(findRepoRoot(), ARTIFACT_RELATIVE_PATH);
  if (!existsSync(file)) {
    throw new Error(`${ARTIFACT_RELATIVE_PATH} is missing: run npm run compile (npm test does) before vitest.`);
  }
}

export async function startTestChain(options: StartAnvilOptions = {}, privateKey = EMBEDDED_ANCHORER_KEY): Promise<TestChain> {
  assertCompiled();
  const anvil = await startAnvil(options);
  const client = createChainClient({ rpcUrl: anvil.rpcUrl, privateKey, chainId: options.chainId ?? 31337 });
  return {
    ...client,
    anvil,
    rpcUrl: anvil.rpcUrl,
    stop: async () => {
      client.provider.destroy();
      await anvil.stop();
    },
  };
}
