import { TypedDataEncoder, verifyTypedData, type TypedDataDomain } from "ethers";
import { CLOCK_TOLERANCE_S } from "./clock";

/**
 * An owner's EIP-712 signature over a registration's values, made on the seller's side with a key the
 * service never holds. The domain names no chain and no contract: a signature says "this key claims this
 * image", wherever its registration ends up anchored.
 */
export const SIGNATURE_DOMAIN: TypedDataDomain = { name: "Imprint", version: "1" };

export const SIGNATURE_TYPES = {
  Registration: [
    { name: "sha256", type: "bytes32" },
    { name: "pdq", type: "bytes32" },
    { name: "phash", type: "bytes8" },
    { name: "productId", type: "string" },
    { name: "signedAt", type: "uint64" },
  ],
};

export interface SignedValues {
  sha256: string;
  pdq: string;
  phash: string;
  productId: string;
  /** Seconds since the epoch, on the signer's clock. */
  signedAt: number;
}

/** A signature is accepted for a registration made at most this long after it: older ones count as replays. */
export const SIGNATURE_MAX_AGE_S = 600;

/** 65 bytes r ‖ s ‖ v with v = 27 or 28, lowercase: one spelling per signature (ethers refuses a high s). */
export const SIGNATURE_HEX = /^0x[0-9a-f]{128}(1b|1c)$/;

/** The EIP-712 digest a wallet signs (`eth_signTypedData_v4`), for anyone re-implementing the check. */
export function signatureDigest(values: SignedValues): string {
  return TypedDataEncoder.hash(SIGNATURE_DOMAIN, SIGNATURE_TYPES, values);
}

/** The address whose key made `signature` over `values` (lowercase), or null when it is not a signature at all. */
export function recoverSigner(values: SignedValues, signature: string): string | null {
  try {
    return verifyTypedData(SIGNATURE_DOMAIN, SIGNATURE_TYPES, values, signature).toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Whether a signature made at `signedAtS` may back a registration the server accepted at `registeredAtMs`:
 * not from the future (beyond clock drift), not older than SIGNATURE_MAX_AGE_S. A captured signature can
 * therefore not be replayed into a later registration.
 */
export function signatureTimeProblem(signedAtS: number, registeredAtMs: number): string | null {
  const registeredS = registeredAtMs / 1000;
  if (signedAtS > registeredS + CLOCK_TOLERANCE_S) return `signed at ${signedAtS}, after the registration (${Math.floor(registeredS)}) by more than ${CLOCK_TOLERANCE_S} s`;
  if (signedAtS < registeredS - SIGNATURE_MAX_AGE_S) return `signed at ${signedAtS}, more than ${SIGNATURE_MAX_AGE_S} s before the registration (${Math.floor(registeredS)})`;
  return null;
}
