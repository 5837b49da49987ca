import { ImprintError } from "../core/errors";
import { sha256Of } from "../imaging/fingerprint";
import { checkOriginalQuality } from "../imaging/quality";
import { evidenceOf, type EvidenceResult } from "../ledger/evidence";
import { decodeCursor, findOwnRegistration, getOriginal, insertRegistration, listOriginals, type OriginalView, type OwnerSignature } from "../ledger/originals";
import type { Actor } from "../accounts/actor";
import { authorize, ownsOrOperates } from "./permissions";
import type { UseCaseDeps } from "./context";
import { receiveImage, type ImageSource } from "./image-source";
import { checkOwnerSignature } from "./owner-signature";
import { watchStatements, WATCH_JOB } from "./watch";

export interface RegisterOriginalInput {
  image: ImageSource;
  productId: string;
  category: string;
  storeCountry: string;
  title?: string;
  /** The owner's EIP-712 signature over {sha256, pdq, phash, productId, signedAt}, made on their side. */
  signed?: OwnerSignature;
}

/**
 * Registers an original for the actor's organisation: the image must be large enough to be worth protecting and,
 * when signed, signed by an active key of the organisation over exactly these values, recently, and never before
 * (its leaf then binds the signer: evidence format v2); the same bytes again answer the existing registration
 * (`created: false`).
 */
export async function registerOriginalUseCase(
  deps: UseCaseDeps,
  actor: Actor,
  input: RegisterOriginalInput,
): Promise<{ original: OriginalView; created: boolean; warnings: string[] }> {
  authorize(actor, "ip-centre");
  const { config } = deps;
  const received = await receiveImage(input.image, deps.fetchImage, config.MAX_UPLOAD_BYTES);
  // The same bytes again (a retried upload, a catalogue sent twice) answer their registration without being
  // analysed again: a lookup, not a decode. A signed upload is answered only once its signature has been checked
  // against the image's hashes, as a new one is.
  const existing = await findOwnRegistration(deps.db, actor.organisationId, sha256Of(received.bytes));
  if (existing && !input.signed) {
    return { original: existing, created: false, warnings: qualityWarnings({ width: existing.width, height: existing.height, pdqQuality: existing.quality }, config.MIN_ORIGINAL_SIDE) };
  }
  const { fingerprint, features } = await deps.analyser.forLibrary(received.bytes);
  const warnings = qualityWarnings(fingerprint, config.MIN_ORIGINAL_SIDE);
  const registeredAtMs = Date.now();
  if (input.signed) {
    const values = { sha256: fingerprint.sha256, pdq: fingerprint.pdq, phash: fingerprint.phash, productId: input.productId };
    await checkOwnerSignature(deps.db, actor.organisationId, values, input.signed, registeredAtMs);
  }
  if (existing) return { original: existing, created: false, warnings };
  const { original, created } = await insertRegistration(
    deps.db,
    {
      accountId: actor.organisationId,
      registeredBy: actor.memberId,
      fingerprint,
      byteSize: received.bytes.length,
      features,
      productId: input.productId,
      category: input.category,
      storeCountry: input.storeCountry,
      title: input.title ?? null,
      sourceUrl: received.sourceUrl,
      signed: input.signed,
    },
    () => registeredAtMs,
    // A new registration and its watch job are written together (other organisations' originals are watched too).
    // A new original is watched by its stored features, not re-analysed as a query as a listing is: registration
    // is the bulk path (a seller's catalogue), and a second analysis of each photo halved its throughput
    // (README, bench:query). A mirrored copy registered as another's original is then found by PDQ or a search.
    ({ imageId }) => watchStatements(deps.db, imageId),
  );
  if (created) {
    deps.batcher.notifyRegistered();
    deps.onImageAdded?.();
    deps.wakeJobs?.(WATCH_JOB);
  }
  return { original, created, warnings };
}

/** An original's quality warnings; one too small to be worth protecting is refused. */
function qualityWarnings(image: { width: number; height: number; pdqQuality: number }, minSide: number): string[] {
  const quality = checkOriginalQuality(image, minSide);
  if (!quality.ok) {
    throw new ImprintError("image_too_small", `an original needs at least ${minSide} px on its shorter side; this one is ${image.width}×${image.height}`);
  }
  return quality.warnings;
}

/** The organisation's registrations, newest first. */
export async function listOriginalsUseCase(deps: UseCaseDeps, actor: Actor, page: { limit: number; cursor?: string }) {
  authorize(actor, "ip-centre");
  const decoded = page.cursor === undefined ? null : decodeCursor(page.cursor);
  if (page.cursor !== undefined && !decoded) throw new ImprintError("invalid_cursor", "the cursor is not one this API issued");
  return listOriginals(deps.db, actor.organisationId, page.limit, decoded);
}

/** One registration of the actor's organisation; another organisation's answers like a missing one. */
export async function getOriginalUseCase(deps: UseCaseDeps, actor: Actor, id: string): Promise<OriginalView> {
  authorize(actor, "ip-centre", "operate");
  const original = await getOriginal(deps.db, id);
  if (!original || !ownsOrOperates(actor, original.accountId)) throw new ImprintError("not_found", `no registration ${id}`);
  return original;
}

/** The evidence of a registration. Bundles hold no secrets and exist to be shown to third parties: any key may fetch one. */
export async function getEvidenceUseCase(deps: UseCaseDeps, id: string): Promise<NonNullable<EvidenceResult>> {
  const evidence = await evidenceOf(deps.db, id);
  if (!evidence) throw new ImprintError("not_found", `no registration ${id}`);
  return evidence;
}
