/**
 * Attachments to complaints and appeals are PDFs a reviewer will open: they must really be PDFs (header and a
 * full parse), not encrypted (a reviewer could not read them, and we could not check them), and free of
 * JavaScript (it would run in a reviewer's viewer).
 */
import { createHash } from "node:crypto";
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, EncryptedPDFError } from "pdf-lib";
import { ImprintError } from "../core/errors";

export const MAX_ATTACHMENTS = 5;
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

export interface CheckedAttachment {
  filename: string;
  sha256: string;
  bytes: Buffer;
  pages: number;
}

/** Names whose presence in any object means the document can run script. */
const SCRIPT_NAMES = [PDFName.of("JavaScript"), PDFName.of("JS")];

export async function checkPdfAttachment(filename: string, bytes: Buffer): Promise<CheckedAttachment> {
  if (bytes.length > MAX_ATTACHMENT_BYTES) {
    throw new ImprintError("attachment_too_large", `${filename}: attachments are limited to ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB`);
  }
  // A PDF starts with its header within the first 1024 bytes (ISO 32000-1, 7.5.2); most writers put it first.
  if (!bytes.subarray(0, 1024).includes("%PDF-")) throw new ImprintError("attachment_not_pdf", `${filename} is not a PDF`);
  if (isEncrypted(bytes)) throw new ImprintError("attachment_encrypted", `${filename} is encrypted: attach a PDF without a password`);
  let document: PDFDocument;
  let pages: number;
  try {
    document = await PDFDocument.load(bytes, { updateMetadata: false, throwOnInvalidObject: true });
    pages = document.getPageCount(); // a "PDF" without a page tree is not a document anyone can read
  } catch (error) {
    if (error instanceof EncryptedPDFError) throw new ImprintError("attachment_encrypted", `${filename} is encrypted: attach a PDF without a password`);
    throw new ImprintError("attachment_not_pdf", `${filename} could not be read as a PDF`, { cause: error });
  }
  if (pages === 0) throw new ImprintError("attachment_not_pdf", `${filename} has no pages`);
  if (hasScript(document)) throw new ImprintError("attachment_has_javascript", `${filename} contains JavaScript: attach a PDF without scripts`);
  return { filename, sha256: "0x" + createHash("sha256").update(bytes).digest("hex"), bytes, pages };
}

/** An /Encrypt entry in a trailer: pdf-lib would otherwise parse such a file and hand back ciphertext. */
function isEncrypted(bytes: Buffer): boolean {
  return /\/Encrypt\s/.test(bytes.toString("latin1"));
}

/** Whether any object (object streams included, as pdf-lib has parsed them) names JavaScript. */
function hasScript(document: PDFDocument): boolean {
  for (const [, object] of document.context.enumerateIndirectObjects()) {
    const dict = object instanceof PDFDict ? object : object instanceof PDFRawStream ? object.dict : undefined;
    if (dict && dictHasScript(dict)) return true;
  }
  return false;
}

function dictHasScript(dict: PDFDict, depth = 0): boolean {
  if (depth > 8) return false;
  for (const [key, value] of dict.entries()) {
    if (SCRIPT_NAMES.some((name) => name === key || name === value)) return true;
    if (value instanceof PDFDict && dictHasScript(value, depth + 1)) return true;
    if (value instanceof PDFArray) {
      for (const item of value.asArray()) {
        if (SCRIPT_NAMES.some((name) => name === item)) return true;
        if (item instanceof PDFDict && dictHasScript(item, depth + 1)) return true;
      }
    }
  }
  return false;
}
