/**
 * Everything Imprint derives from an uploaded image, from a single decode: SHA-256 of the exact bytes, PDQ (+
 * quality), the 64-bit pHash, the oriented size and a small WebP thumbnail.
 */
import { createHash } from "node:crypto";
import sharp from "sharp";
import { toHex } from "../core/hex";
import { lumaFromRgb, pdqFromLuma } from "../core/pdq";
import { grey32FromLuma, phashFromGrey32 } from "../core/phash";
import { decodeImage, type DecodedImage, type DecodeOptions, type ImageFormat } from "./decode";

export const THUMBNAIL_SIDE = 256;

export interface Fingerprint {
  sha256: string; // 0x + 64 hex of the uploaded bytes
  pdq: string; // 0x + 64 hex, reference bit order
  pdqQuality: number; // 0–100
  phash: bigint; // unsigned 64-bit
  width: number; // after EXIF orientation
  height: number;
  format: ImageFormat;
  thumbnail: Buffer; // WebP, longest side ≤ 256
}

export type FingerprintOptions = Pick<DecodeOptions, "maxBytes" | "maxPixels">;

export async function fingerprintImage(bytes: Buffer, opts: FingerprintOptions = {}): Promise<Fingerprint> {
  return fingerprintDecoded(bytes, await decodeImage(bytes, opts));
}

/** The fingerprint of `bytes` from their decoded pixels (decodeImage at its default size), for callers that decode once for several uses. */
export async function fingerprintDecoded(bytes: Buffer, image: DecodedImage): Promise<Fingerprint> {
  const { rgb, rgbWidth: w, rgbHeight: h } = image;
  // The thumbnail encodes on a libuv thread while the hashes run here.
  const thumbnail = sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
    // A triangle filter (still anti-aliased by libvips' reduce) is ~1 ms cheaper than lanczos3 at this size.
    .resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: "inside", withoutEnlargement: true, kernel: "linear" })
    .webp({ quality: 75, effort: 0 }) // effort 0: half the encode time (12 → 6 ms), a few % larger file
    .toBuffer();
  const sha256 = "0x" + createHash("sha256").update(bytes).digest("hex");
  const luma = lumaFromRgb(rgb, w, h, 3);
  const pdq = pdqFromLuma(luma, w, h);
  const phash = phashFromGrey32(grey32FromLuma(luma, w, h));
  return {
    sha256,
    pdq: toHex(pdq.hash),
    pdqQuality: pdq.quality,
    phash,
    width: image.width,
    height: image.height,
    format: image.format,
    thumbnail: await thumbnail,
  };
}
