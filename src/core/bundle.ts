import { z } from "zod";
import { HEX20, HEX32, HEX8 } from "./hex";

export const BUNDLE_FORMAT = "imprint.evidence.v1";

/** `2026-11-27T12:00:00.123Z` and nothing else: one spelling per instant, so the text is bound to the leaf. */
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const hex32 = z.string().regex(HEX32, "must be 0x + 64 lowercase hex digits");
const decimal = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * The evidence bundle, version 1. Every field is either committed to by the leaf (registration), implied by
 * it (leaf, id), folded into the root (proof) or checked against the chain (anchor). Unknown keys are refused.
 */
export const evidenceBundleSchema = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    registration: z
      .object({
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
      })
      .strict(),
    leaf: hex32,
    merkle: z.object({ root: hex32, proof: z.array(hex32).max(64) }).strict(),
    anchor: z
      .object({
        chainId: decimal,
        contract: z.string().regex(HEX20, "must be 0x + 40 lowercase hex digits"),
        txHash: hex32,
        blockNumber: decimal,
        blockTimestamp: decimal,
      })
      .strict(),
  })
  .strict();

export type EvidenceBundle = z.infer<typeof evidenceBundleSchema>;
