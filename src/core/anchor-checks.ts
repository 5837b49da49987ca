import type { ChainFacts, Check } from "./verify";

/** What a chain reader needs to find an anchor: any bundle or receipt has these fields. */
export interface AnchoredRoot {
  merkle: { root: string };
  anchor: { contract: string; txHash: string };
}

/** What any anchored statement (an evidence bundle, a search receipt) says about its anchor. */
export interface AnchorClaim {
  root: string;
  anchor: { chainId: number; contract: string; txHash: string; blockNumber: number; blockTimestamp: number };
  /** The server's time of the claimed act, ISO 8601 UTC, which the block time bounds from above. */
  at: string;
  /** The act, for the checks' sentences: "registered", "searched". */
  act: string;
}

/** Server clocks and block times drift; the act must precede its anchor block within this. */
export const CLOCK_TOLERANCE_S = 60;

/** The chain checks of an anchored root, given facts read from an RPC of the claim's chain. */
export function checkAnchor(claim: AnchorClaim, facts: ChainFacts): Check[] {
  const a = claim.anchor;
  const atS = Date.parse(claim.at) / 1000;
  return [
    {
      name: "chain",
      ok: facts.chainId === a.chainId,
      detail: `the RPC serves chain ${facts.chainId}; the bundle names ${a.chainId}`,
    },
    {
      name: "transaction",
      ok: facts.receiptFound && facts.blockNumber === a.blockNumber,
      detail: facts.receiptFound
        ? `transaction ${a.txHash} succeeded in block ${facts.blockNumber} (bundle: ${a.blockNumber})`
        : `no successful transaction ${a.txHash} on this chain`,
    },
    {
      name: "event",
      ok: facts.eventFound,
      detail: facts.eventFound
        ? `its receipt holds Anchored(${claim.root}) from ${a.contract}`
        : `its receipt holds no Anchored(${claim.root}) from ${a.contract}`,
    },
    {
      name: "block-time",
      ok: facts.blockTimestamp === a.blockTimestamp,
      detail: `block ${facts.blockNumber ?? "?"} has timestamp ${facts.blockTimestamp ?? "?"} (bundle: ${a.blockTimestamp})`,
    },
    {
      name: "anchored-at",
      ok: facts.anchoredAt !== 0 && facts.anchoredAt === a.blockTimestamp,
      detail: `${a.contract}.anchoredAt(root) = ${facts.anchoredAt}`,
    },
    {
      name: "order",
      ok: atS <= a.blockTimestamp + CLOCK_TOLERANCE_S,
      detail: `${claim.act} at ${claim.at}, anchored at ${new Date(a.blockTimestamp * 1000).toISOString()}`,
    },
  ];
}
