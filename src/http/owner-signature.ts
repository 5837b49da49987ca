import { z } from "@hono/zod-openapi";
import type { OwnerSignature } from "../ledger/originals";
import { wholeNumber } from "./schemas";

/** The optional form fields of a signed registration, as `imprint sign` prints them. */
export const ownerSignatureFields = {
  signer: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, "must be an address, 0x + 40 hex digits")
    .transform((s) => s.toLowerCase())
    .optional()
    .openapi({ description: "Address of one of the organisation's signing keys (POST /v1/signing-keys)" }),
  signature: z
    .string()
    .regex(/^0x[0-9a-fA-F]{128}(1b|1c|1B|1C)$/, "must be a 65-byte signature, 0x + 130 hex digits ending in 1b or 1c")
    .transform((s) => s.toLowerCase())
    .optional()
    .openapi({ description: "EIP-712 signature over {sha256, pdq, phash, productId, signedAt} (README, format v2)" }),
  signedAt: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional().openapi({ description: "Seconds since the epoch, as signed" }),
};

type SignatureForm = { signer?: string; signature?: string; signedAt?: number };

export function allOrNoneSigned(form: SignatureForm): boolean {
  const given = [form.signer, form.signature, form.signedAt].filter((v) => v !== undefined).length;
  return given === 0 || given === 3;
}

export function ownerSignatureOf(form: SignatureForm): OwnerSignature | undefined {
  return form.signer && form.signature && form.signedAt !== undefined ? { signer: form.signer, signature: form.signature, signedAt: form.signedAt } : undefined;
}
