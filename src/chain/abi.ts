/**
 * The ProvenanceAnchor ABI as human-readable fragments, so that reading evidence needs no compiled artifact.
 * test/contract.test.ts checks it against the artifact Hardhat compiles from contracts/ProvenanceAnchor.sol.
 */
import { Interface } from "ethers";

export const PROVENANCE_ANCHOR_ABI = [
  "constructor(address anchorer_)",
  "function anchor(bytes32 root, uint64 leafCount)",
  "function anchoredAt(bytes32 root) view returns (uint64)",
  "function anchorer() view returns (address)",
  "function leafCountOf(bytes32 root) view returns (uint64)",
  "function verify(bytes32 root, bytes32[] proof, bytes32 leaf) view returns (bool)",
  "event Anchored(bytes32 indexed root, uint64 leafCount, uint64 timestamp)",
  "error ProvenanceAnchorAlreadyAnchored(bytes32 root, uint64 timestamp)",
  "error ProvenanceAnchorInvalidAnchorer(address anchorer)",
  "error ProvenanceAnchorInvalidLeafCount()",
  "error ProvenanceAnchorInvalidRoot()",
  "error ProvenanceAnchorUnauthorizedAnchorer(address account)",
] as const;

export const provenanceAnchorInterface = new Interface(PROVENANCE_ANCHOR_ABI);

/** topic0 of `Anchored(bytes32,uint64,uint64)`. */
export const ANCHORED_TOPIC = provenanceAnchorInterface.getEvent("Anchored")!.topicHash;

/**
 * The ProvenanceAnchor custom error inside an ethers error, if any. Contract calls sent through a signer
 * reject at gas estimation with raw revert data ("unknown custom error"), so decode it here.
 */
export function decodeAnchorError(err: unknown): { name: string; args: unknown[] } | null {
  const e = err as { revert?: { name: string; args: unknown[] } | null; data?: unknown; info?: { error?: { data?: unknown } } };
  if (e?.revert?.name) return { name: e.revert.name, args: [...e.revert.args] };
  const data = typeof e?.data === "string" ? e.data : e?.info?.error?.data;
  if (typeof data !== "string" || data.length < 10) return null;
  try {
    const parsed = provenanceAnchorInterface.parseError(data);
    return parsed ? { name: parsed.name, args: [...parsed.args] } : null;
  } catch {
    return null;
  }
}
