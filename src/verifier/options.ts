import type { ChainFactsReader } from "../chain/chain-facts";
import type { Deployment } from "../core/deployments";
import type { Fingerprint } from "../imaging/fingerprint";

/** Whom the caller trusts to say who registered (or searched) what. Absent: nobody, and the verdict rests on the chain alone. */
export interface Trust {
  /** Deployments from a deployments file (the service's own, or one its operator published). */
  deployments: readonly Deployment[];
  /** Contracts trusted on whichever chain they are, with the anchorer the chain names (`--contract`). */
  contracts?: readonly string[];
}

export interface VerifyOptions {
  /** Reads the chain's view of an anchor from an RPC of the caller's choosing. */
  readChainFacts: ChainFactsReader;
  trust?: Trust;
  /** An image to compare with the registered one, or a receipt's query (exact bytes, or an edited copy by PDQ distance). */
  image?: Uint8Array;
  /** How the image is fingerprinted (the service passes its limits, the browser its own); default: the plain fingerprint. */
  fingerprint?: (bytes: Uint8Array) => Promise<Pick<Fingerprint, "sha256" | "pdq">>;
}
