import { eq } from "drizzle-orm";
import { ImprintError } from "../core/errors";
import { uint64ToHex } from "../core/hex";
import { recoverSigner, signatureTimeProblem } from "../core/signature";
import type { Db } from "../db/client";
import { originals } from "../db/schema";
import type { OwnerSignature } from "../ledger/originals";
import { activeKey } from "./signing-keys";

/** The registration's own values, as the owner signed them. */
export interface SignedRegistrationValues {
  sha256: string;
  pdq: string;
  phash: bigint;
  productId: string;
}

/**
 * An owner's signature backs a registration when it recovers to `signer` over exactly these values, `signer` is
 * an active key of the organisation, and it is no replay. Replay, precisely: a signature older than
 * SIGNATURE_MAX_AGE_S (or from the future) at registration, or one already backing another registration (another
 * organisation's, after its key changed hands). Either is refused, so a captured signature registers nothing later.
 */
export async function checkOwnerSignature(
  db: Db,
  organisationId: string,
  values: SignedRegistrationValues,
  signed: OwnerSignature,
  registeredAtMs: number,
): Promise<void> {
  const recovered = recoverSigner({ ...values, phash: uint64ToHex(values.phash), signedAt: signed.signedAt }, signed.signature);
  if (recovered !== signed.signer) {
    throw new ImprintError(
      "signature_invalid",
      recovered ? `the signature over this image, productId and signedAt is by ${recovered}, not ${signed.signer}` : "the signature is not a 65-byte ECDSA signature",
    );
  }
  const late = signatureTimeProblem(signed.signedAt, registeredAtMs);
  if (late) throw new ImprintError("signature_expired", `${late}: sign again`);
  const key = await activeKey(db, signed.signer);
  if (!key || key.accountId !== organisationId) {
    throw new ImprintError("signer_not_registered", `${signed.signer} is not an active signing key of this organisation (POST /v1/signing-keys)`);
  }
  const [used] = await db
    .select({ id: originals.id, accountId: originals.accountId, sha256: originals.sha256 })
    .from(originals)
    .where(eq(originals.signature, signed.signature))
    .limit(1);
  // The same request again (a client's retry) answers with its registration, as an unsigned one does.
  if (used && (used.accountId !== organisationId || used.sha256 !== values.sha256)) {
    throw new ImprintError("signature_replayed", `this signature already backs registration ${used.id}`);
  }
}
