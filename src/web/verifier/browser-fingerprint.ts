/**
 * The fingerprint of a presented image, computed in the browser: SHA-256 of the exact bytes with WebCrypto, and
 * PDQ with the project's own core code over pixels the browser decodes (EXIF orientation applied), scaled to the
 * size the service hashes at. The browser's scaler is not libvips, so the PDQ may differ from the server's by a
 * few bits: the image check compares PDQ by distance (≤ 31 of 256 is the same picture), never for equality.
 */
import { toHex } from "../../core/hex";
import { lumaFromRgb, pdqFromLuma } from "../../core/pdq";
import { hashingSize } from "../../imaging/decode";

export async function browserFingerprint(input: Uint8Array): Promise<{ sha256: string; pdq: string }> {
  const bytes = new Uint8Array(input); // a copy over a plain ArrayBuffer, as WebCrypto and Blob want
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  const sha256 = toHex(new Uint8Array(digest));
  const bitmap = await createImageBitmap(new Blob([bytes]), { imageOrientation: "from-image" });
  const size = hashingSize(bitmap.width, bitmap.height);
  const canvas = new OffscreenCanvas(size.width, size.height);
  const context = canvas.getContext("2d");
  if (!context) throw new Error("this browser cannot draw images");
  context.imageSmoothingQuality = "high";
  context.drawImage(bitmap, 0, 0, size.width, size.height);
  const { data } = context.getImageData(0, 0, size.width, size.height);
  const pdq = pdqFromLuma(lumaFromRgb(new Uint8Array(data.buffer), size.width, size.height, 4), size.width, size.height);
  return { sha256, pdq: toHex(pdq.hash) };
}
