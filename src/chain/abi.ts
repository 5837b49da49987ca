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
  "function transferAnchorer(address newAnchorer)",
  "function verify(bytes32 root, bytes32[] proof, bytes32 leaf) view returns (bool)",
  "event Anchored(bytes32 indexed root, uint64 leafCount, uint64 timestamp)",
  "event AnchorerTransferred(address indexed previousAnchorer, address indexed newAnchorer)",
  "error ProvenanceAnchorAlreadyAnchored(bytes32 root, uint64 timestamp)",
  "error ProvenanceAnchorInvalidAnchorer(address anchorer)",
  "error ProvenanceAnchorInvalidLeafCount()",
  "error ProvenanceAnchorInvalidRoot()",
  "error ProvenanceAnchorUnauthorizedAnchorer(address account)",
] as const;

export const provenanceAnchorInterface = new Interface(PROVENANCE_ANCHOR_ABI);

/** topic0 of `Anchored(bytes32,uint64,uint64)`. */
export const ANCHORED_TOPIC = provenanceAnchorInterface.getEvent("Anchored")!.topicHash;
