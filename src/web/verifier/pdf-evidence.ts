/**
 * The evidence files a PDF carries: a certificate attaches its registration's bundle as `evidence-<id>.json`
 * (src/reports/certificate.ts), a complaint report one per original. Read here from the PDF's EmbeddedFiles name
 * tree with pdf-lib (already the reports' writer; it bundles for the browser and decodes the Flate streams
 * pdf-lib writes), so a clerk can drop the certificate itself on /verify.
 */
import { decodePDFRawStream, PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFRawStream, PDFString } from "pdf-lib";

/** `bundleFileName` of src/reports/certificate.ts (not imported: it would pull the PDF writer and its fonts in). */
const EVIDENCE_FILE = /^evidence-reg_[0-9a-f]{24}\.json$/;

/** A name tree nests a few levels at most; a deeper one is not a PDF we made (and must not recurse forever). */
const MAX_TREE_DEPTH = 16;

export interface AttachedFile {
  name: string;
  bytes: Uint8Array;
}

/** Whether these bytes are a PDF (its header), whatever the file is called. */
export function isPdf(bytes: Uint8Array): boolean {
  return new TextDecoder().decode(bytes.subarray(0, 5)) === "%PDF-";
}

/** Every attached `evidence-<id>.json` of a PDF, in the document's order. */
export async function evidenceFilesOfPdf(bytes: Uint8Array): Promise<AttachedFile[]> {
  return (await attachedFiles(bytes)).filter((f) => EVIDENCE_FILE.test(f.name));
}

async function attachedFiles(bytes: Uint8Array): Promise<AttachedFile[]> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  const tree = doc.catalog.lookupMaybe(PDFName.of("Names"), PDFDict)?.lookupMaybe(PDFName.of("EmbeddedFiles"), PDFDict);
  const files: AttachedFile[] = [];
  const walk = (node: PDFDict, depth: number) => {
    if (depth > MAX_TREE_DEPTH) return;
    const kids = node.lookupMaybe(PDFName.of("Kids"), PDFArray);
    for (let i = 0; kids && i < kids.size(); i++) walk(kids.lookup(i, PDFDict), depth + 1);
    const pairs = node.lookupMaybe(PDFName.of("Names"), PDFArray);
    for (let i = 0; pairs && i + 1 < pairs.size(); i += 2) {
      const spec = pairs.lookup(i + 1);
      if (!(spec instanceof PDFDict)) continue;
      const name = [spec.lookup(PDFName.of("UF")), spec.lookup(PDFName.of("F")), pairs.lookup(i)].find(
        (n): n is PDFString | PDFHexString => n instanceof PDFString || n instanceof PDFHexString,
      );
      const stream = spec.lookupMaybe(PDFName.of("EF"), PDFDict)?.lookup(PDFName.of("F"));
      if (name && stream instanceof PDFRawStream) files.push({ name: name.decodeText(), bytes: decodePDFRawStream(stream).decode() });
    }
  };
  if (tree) walk(tree, 0);
  return files;
}
