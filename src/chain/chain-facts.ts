import { Contract, type Provider } from "ethers";
import { ImprintError } from "../core/errors";
import type { AnchorQuery, ChainFacts } from "../core/verify";
import { PROVENANCE_ANCHOR_ABI } from "./abi";
import { readAnchorEvidence } from "./receipt-check";

/** Reads an anchor from a chain: the RPC is chosen by the anchor's chain id. */
export type ChainFactsReader = (anchor: AnchorQuery) => Promise<ChainFacts>;

/**
 * Reads anchors from whichever of `providers` serves the anchor's chain (each asked once by `eth_chainId`).
 * An anchor on a chain none of them serves cannot be read: an RPC of another chain has nothing to say about it.
 */
export function chainFactsReader(providers: Provider | readonly Provider[]): ChainFactsReader {
  const list = Array.isArray(providers) ? (providers as readonly Provider[]) : [providers as Provider];
  const chainIds = new Map<Provider, Promise<number | null>>();
  const chainIdOf = (p: Provider) => {
    let id = chainIds.get(p);
    if (!id) {
      id = p.getNetwork().then((n) => Number(n.chainId), () => null);
      chainIds.set(p, id);
    }
    return id;
  };
  return async function readChainFacts(anchor) {
    let provider: Provider | undefined;
    for (const p of list) if (!provider && (await chainIdOf(p)) === anchor.chainId) provider = p;
    if (!provider) throw new ImprintError("chain_unavailable", `no RPC that answered serves chain ${anchor.chainId}`);
    const [evidence, anchorer] = await Promise.all([
      readAnchorEvidence(provider, { contract: anchor.contract, txHash: anchor.txHash, root: anchor.root }),
      readAnchorer(provider, anchor.contract),
    ]);
    return {
      chainId: evidence.chainId,
      receiptFound: evidence.receiptFound && evidence.receiptStatus === 1,
      eventFound: evidence.eventFound,
      blockNumber: evidence.blockNumber,
      blockTimestamp: evidence.blockTimestamp,
      anchoredAt: evidence.anchoredAt ?? 0,
      anchorer,
    };
  };
}

/** `anchorer()` of a ProvenanceAnchor, lowercase; null when there is no contract (or not one of ours) there. */
export async function readAnchorer(provider: Provider, contract: string): Promise<string | null> {
  if ((await provider.getCode(contract)) === "0x") return null;
  try {
    return String(await new Contract(contract, PROVENANCE_ANCHOR_ABI, provider).getFunction("anchorer")()).toLowerCase();
  } catch {
    return null;
  }
}
