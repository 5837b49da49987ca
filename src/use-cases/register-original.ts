import { eq } from "drizzle-orm";
import { ImprintError } from "../core/errors";
import { uint64ToHex } from "../core/hex";
import { recoverSigner, signatureTimeProblem } from "../core/signature";
import type { Db } from "../db/client";
import { originals } from "../db/schema";
import type { Fingerprint } from "../imaging/fingerprint";
import { checkOriginalQuality } from "../imaging/quality";
import type { Batcher } from "../ledger/batcher";
import { registerOriginal as storeOriginal, type OriginalView, type OwnerSignature } from "../ledger/originals";
import { activeKey } from "./signing-keys";

export interface RegisterOriginalDeps {
  db: Db;
  batcher: Pick<Batcher, "notifyRegistered">;
  minOriginalSide: number;
  extractFeatures?(bytes: Buffer): Promise<Buffer | null>;
  onImageAdded?(): void;
}

export interface RegisterOriginalInput {
  accountId: string;
  bytes: Buffer;
  fingerprint: Fingerprint;
  sourceUrl: string | null;
  productId: string;
  category: string;
  storeCountry: string;
  title: string | null;
  /** The owner's EIP-712 signature over {sha256, pdq, phash, productId, signedAt}, made on their side. */
  signed?: OwnerSignature;
}

/**
 * Registers an original: big enough to be one, and, when signed, signed by an active key of this organisation
 * over exactly these values, recently, and never before. Its leaf then binds the signer (evidence format v2).
 */
export async function registerOriginal(
  deps: RegisterOriginalDeps,
  input: RegisterOriginalInput,
  now: () => number = Date.now,
): Promise<{ original: OriginalView; created: boolean; warnings: string[] }> {
  const { fingerprint } = input;
  const quality = checkOriginalQuality(fingerprint, deps.minOriginalSide);
  if (!quality.ok) {
    throw new ImprintError(
      "image_too_small",
      `an original needs at least ${deps.minOriginalSide} px on its shorter side; this one is ${fingerprint.width}×${fingerprint.height}`,
    );
  }
  const registeredAtMs = now();
  if (input.signed) await checkOwnerSignature(deps.db, input, input.signed, registeredAtMs);
  const features = deps.extractFeatures ? await deps.extractFeatures(input.bytes) : null;
  const { original, created } = await storeOriginal(
    deps.db,
    {
      accountId: input.accountId,
      fingerprint,
      byteSize: input.bytes.length,
      features,
      productId: input.productId,
      category: input.category,
      storeCountry: input.storeCountry,
      title: input.title,
      sourceUrl: input.sourceUrl,
      signed: input.signed,
    },
    () => registeredAtMs,
  );
  if (created) {
    deps.batcher.notifyRegistered();
    deps.onImageAdded?.();
  }
  return { original, created, warnings: quality.warnings };
}

/**
 * Replay, precisely: a signature older than SIGNATURE_MAX_AGE_S (or from the future) at registration, or one
 * already backing another registration (another account's, after its key changed hands). Either is refused, so a
 * captured signature cannot register anything later.
 */
async function checkOwnerSignature(db: Db, input: RegisterOriginalInput, signed: OwnerSignature, registeredAtMs: number): Promise<void> {
  const fp = input.fingerprint;
  const values = { sha256: fp.sha256, pdq: fp.pdq, phash: uint64ToHex(fp.phash), productId: input.productId, signedAt: signed.signedAt };
  const recovered = recoverSigner(values, signed.signature);
  if (recovered !== signed.signer) {
    throw new ImprintError(
      "signature_invalid",
      recovered
        ? `the signature over this image, productId and signedAt is by ${recovered}, not ${signed.signer}`
        : "the signature is not a 65-byte ECDSA signature",
    );
  }
  const late = signatureTimeProblem(signed.signedAt, registeredAtMs);
  if (late) throw new ImprintError("signature_expired", `${late}: sign again`);
  const key = await activeKey(db, signed.signer);
  if (!key || key.accountId !== input.accountId) {
    throw new ImprintError("signer_not_registered", `${signed.signer} is not an active signing key of this organisation (POST /v1/signing-keys)`);
  }
  const [used] = await db
    .select({ id: originals.id, accountId: originals.accountId, sha256: originals.sha256 })
    .from(originals)
    .where(eq(originals.signature, signed.signature))
    .limit(1);
  // The same request again (a client's retry) answers with its registration, as an unsigned one does.
  if (used && (used.accountId !== input.accountId || used.sha256 !== fp.sha256)) {
    throw new ImprintError("signature_replayed", `this signature already backs registration ${used.id}`);
  }
}
