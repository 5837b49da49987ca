import { z } from "zod";
import { HEX20, HEX32, HEX8 } from "./hex";
import { SIGNATURE_HEX } from "./signature";
import { ISO_MS } from "./time";

export const BUNDLE_FORMAT = "imprint.evidence.v1";
/** A registration signed by a key of its owner. */
export const SIGNED_BUNDLE_FORMAT = "imprint.evidence.v2";

const hex32 = z.string().regex(HEX32, "must be 0x + 64 lowercase hex digits");
const address = z.string().regex(HEX20, "must be 0x + 40 lowercase hex digits");
const decimal = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const registrationFields = {
  id: z.string().regex(/^reg_[0-9a-f]{24}$/, "must be reg_ + 24 lowercase hex digits"),
  accountId: z.string().min(1).max(200),
  sha256: hex32,
  pdq: hex32,
  phash: z.string().regex(HEX8, "must be 0x + 16 lowercase hex digits"),
  registeredAt: z
    .string()
    .regex(ISO_MS, "must be ISO 8601 UTC with milliseconds")
    .refine((s) => !Number.isNaN(Date.parse(s)) && new Date(Date.parse(s)).toISOString() === s, "not a real instant")
    // The leaf holds it as uint64 milliseconds: nothing before 1970 can have been registered.
    .refine((s) => Date.parse(s) >= 0, "before 1970"),
};

const anchorSchema = z
  .object({ chainId: decimal, contract: address, txHash: hex32, blockNumber: decimal, blockTimestamp: decimal })
  .strict();

/**
 * A second way to the chain for evidence whose deployment was retired: its root, with its anchor, is a
 * leaf of a root of roots anchored on a newer deployment (see `reanchorLeafHash`).
 */
const reanchorSchema = z.object({ proof: z.array(hex32).max(64), root: hex32, anchor: anchorSchema }).strict();

/**
 * What every kind of anchored evidence shares (each bundle format and the search receipt): the leaf, its proof up
 * to the root, the root's anchor, and an optional re-anchor path.
 */
export const anchoringFields = {
  leaf: hex32,
  merkle: z.object({ root: hex32, proof: z.array(hex32).max(64) }).strict(),
  anchor: anchorSchema,
  reanchor: reanchorSchema.optional(),
};

/**
 * The evidence bundle, version 1. Every field is either committed to by the leaf (registration), implied by
 * it (leaf, id), folded into the root (proof) or checked against the chain (anchor). Unknown keys are refused.
 */
export const evidenceBundleV1Schema = z
  .object({ format: z.literal(BUNDLE_FORMAT), registration: z.object(registrationFields).strict(), ...anchoringFields })
  .strict();

/** Version 2: a registration signed by its owner's key; the leaf also commits to the signed values and signer. */
export const evidenceBundleV2Schema = z
  .object({
    format: z.literal(SIGNED_BUNDLE_FORMAT),
    registration: z
      .object({
        ...registrationFields,
        productId: z.string().min(1).max(200),
        signedAt: decimal,
        signer: address,
        signature: z.string().regex(SIGNATURE_HEX, "must be 0x + 130 lowercase hex digits ending in 1b or 1c"),
      })
      .strict(),
    ...anchoringFields,
  })
  .strict();

export const evidenceBundleSchema = z.discriminatedUnion("format", [evidenceBundleV1Schema, evidenceBundleV2Schema]);

export type EvidenceBundleV1 = z.infer<typeof evidenceBundleV1Schema>;
export type EvidenceBundleV2 = z.infer<typeof evidenceBundleV2Schema>;
export type EvidenceBundle = z.infer<typeof evidenceBundleSchema>;
export type BundleAnchor = EvidenceBundle["anchor"];
export type BundleReanchor = NonNullable<EvidenceBundle["reanchor"]>;
