/**
 * How an evidence bundle travels inside a report: as `evidence-<id>.json`, byte for byte the file
 * `GET /v1/originals/:id/evidence` serves, so that what a reader detaches from the PDF and what the API gave
 * them compare equal with `cmp` or a checksum, not merely parse to the same object.
 */
import type { EvidenceBundle } from "../core/bundle";
import type { ReportWriter } from "./writer";

export const bundleFileName = (registrationId: string) => `evidence-${registrationId}.json`;

/** The route answers with hono's `c.json(bundle)`, which is `JSON.stringify(bundle)`: compact, in the bundle's key order. */
export const bundleFileBytes = (bundle: EvidenceBundle): Uint8Array => new TextEncoder().encode(JSON.stringify(bundle));

/** Attaches the bundle under its file name. */
export function attachBundle(w: ReportWriter, bundle: EvidenceBundle, at: Date): Promise<void> {
  const id = bundle.registration.id;
  return w.attach(bundleFileBytes(bundle), bundleFileName(id), "application/json", `Imprint evidence bundle of ${id}`, at);
}
