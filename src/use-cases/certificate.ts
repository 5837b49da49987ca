/**
 * Fetching the certificate of a registration. The rule is the evidence bundle's: any account may fetch it,
 * because it exists to be shown to third parties (a platform, a court) and holds nothing the bundle and the
 * public thumbnail do not already reveal, plus the product id and the organisation's name, which the
 * certificate is there to assert. Until the registration is anchored there is no certificate, only a status.
 */
import { accountName } from "../accounts/accounts";
import { getOriginal } from "../ledger/originals";
import { thumbnailOf } from "../library/images";
import { buildCertificate, certificateFileName } from "../reports/certificate";
import type { UseCaseDeps } from "./context";
import { getEvidenceUseCase } from "./originals";

export interface CertificateRequest {
  registrationId: string;
  /** The verifier page printed on the certificate and in its QR code. */
  verifierUrl: string;
  now?: Date;
}

export type CertificateAnswer =
  | { status: "anchored"; pdf: Uint8Array; fileName: string }
  | { status: "pending" | "sealed"; registeredAt: string };

export async function getCertificateUseCase(deps: UseCaseDeps, request: CertificateRequest): Promise<CertificateAnswer> {
  const { db } = deps;
  const id = request.registrationId;
  const evidence = await getEvidenceUseCase(deps, id);
  if (evidence.status !== "anchored") return { status: evidence.status, registeredAt: evidence.registeredAt };
  const original = await getOriginal(db, id);
  if (!original) throw new Error(`invariant violated: anchored registration ${id} has no row`);
  const image = await thumbnailOf(db, original.imageId);
  if (!image) throw new Error(`invariant violated: registration ${id} has no stored image`);
  const pdf = await buildCertificate({
    bundle: evidence.bundle,
    image,
    organisation: { id: original.accountId, name: (await accountName(db, original.accountId)) ?? original.accountId },
    productId: original.productId,
    title: original.title,
    category: original.category,
    storeCountry: original.storeCountry,
    verifierUrl: request.verifierUrl,
    generatedAt: request.now ?? new Date(),
  });
  return { status: "anchored", pdf, fileName: certificateFileName(id) };
}
