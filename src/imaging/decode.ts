/**
 * The one place bytes become pixels. Accepts JPEG, PNG and WebP only (sniffed by libvips, never by name or MIME),
 * bounds bytes, pixels and decoding work before decoding (decompression bombs), decodes strictly (a libvips
 * warning such as "premature end of data" refuses the image: a header that claims more pixels than the data holds
 * would otherwise decode to grey filler), honours EXIF orientation, and turns every failure into an ImprintError:
 * 413 image_too_large, 415 unsupported_image_format, 422 image_too_many_pixels, 400 invalid_image.
 */
import sharp from "sharp";
import { ImprintError } from "../core/errors";

export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
export const DEFAULT_MAX_PIXELS = 40_000_000;
/** Target longest side of the pixels handed to the hashes (PDQ blurs to 64×64 anyway; see hashingSize). */
export const DEFAULT_HASH_SIDE = 576;
/**
 * JPEG and WebP shrink while they decode (libjpeg's scaled IDCT, libwebp's scaling), so their cost follows the
 * output size; PNG always decodes every pixel, and 16-bit samples cost ~8× more through libvips' colour pipeline.
 * A PNG may cost at most this many "8-bit pixels" (16-bit pixels count 8): 5000² at 8 bits decodes in ~0.3 s
 * here, where a 309 KB 16-bit PNG of 6300² took 1.4–3 s. Numbers: docs/calibration.md, "Decoding cost".
 */
export const MAX_PNG_DECODE_COST = 25_000_000;
const PNG_16_BIT_COST = 8;

export const ACCEPTED_FORMATS = ["jpeg", "png", "webp"] as const;
export type ImageFormat = (typeof ACCEPTED_FORMATS)[number];

export interface DecodeOptions {
  maxBytes?: number;
  maxPixels?: number;
  /** Target longest side of the returned pixels (never enlarged), adjusted by hashingSize. */
  maxSide?: number;
}

export interface DecodedImage {
  format: ImageFormat;
  /** Size of the full image after EXIF orientation. */
  width: number;
  height: number;
  /** Oriented, sRGB, 8-bit, alpha dropped, sized by hashingSize. */
  rgb: Buffer;
  rgbWidth: number;
  rgbHeight: number;
  channels: 3;
}

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/** Checks size, real format and pixel count from the header alone (no pixel decoding). */
export async function inspectImage(bytes: Buffer, opts: DecodeOptions = {}): Promise<ImageHeader> {
  const { maxBytes = DEFAULT_MAX_BYTES, maxPixels = DEFAULT_MAX_PIXELS } = opts;
  if (bytes.length === 0) throw new ImprintError("invalid_image", "The image is empty.");
  if (bytes.length > maxBytes) {
    throw new ImprintError("image_too_large", `The image is ${bytes.length} bytes; the limit is ${maxBytes}.`);
  }
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw toImprintError(error);
  }
  const format = meta.format as string | undefined;
  if (!isAccepted(format)) {
    throw new ImprintError("unsupported_image_format", `Images must be JPEG, PNG or WebP, not ${format ?? "unknown"}.`);
  }
  const { width, height } = meta;
  if (!width || !height) throw new ImprintError("invalid_image", "The image has no dimensions.");
  if (width * height > maxPixels) {
    throw new ImprintError("image_too_many_pixels", `The image has ${width}×${height} pixels; the limit is ${maxPixels}.`);
  }
  const wide = meta.depth === "ushort";
  if (format === "png" && width * height * (wide ? PNG_16_BIT_COST : 1) > MAX_PNG_DECODE_COST) {
    throw new ImprintError(
      "image_too_many_pixels",
      `A ${wide ? "16-bit " : ""}PNG of ${width}×${height} pixels costs too much to decode; send it as JPEG or WebP, or smaller.`,
    );
  }
  const swap = (meta.orientation ?? 1) >= 5;
  return { format, width: swap ? height : width, height: swap ? width : height };
}

/** Decodes once to oriented 8-bit sRGB pixels no larger than maxSide, after inspectImage's checks. */
export async function decodeImage(bytes: Buffer, opts: DecodeOptions = {}): Promise<DecodedImage> {
  const header = await inspectImage(bytes, opts);
  const { maxPixels = DEFAULT_MAX_PIXELS, maxSide = DEFAULT_HASH_SIDE } = opts;
  const size = hashingSize(header.width, header.height, maxSide);
  try {
    let pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: "warning" }).rotate();
    if (size.width !== header.width || size.height !== header.height) {
      pipeline = pipeline.resize(size.width, size.height, { fit: "fill" });
    }
    const { data, info } = await pipeline
      .toColourspace("srgb")
      .removeAlpha()
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw new ImprintError("invalid_image", "The image decoded to an unexpected pixel layout.");
    }
    return { ...header, rgb: data, rgbWidth: info.width, rgbHeight: info.height, channels: 3 };
  } catch (error) {
    throw toImprintError(error);
  }
}

/**
 * The same image at the size decodeImage gives for `maxSide` (never larger than it is): one decode can serve a
 * large view (a query's detail view) and the hashes.
 */
export async function resizedDecoded(image: DecodedImage, maxSide = DEFAULT_HASH_SIDE): Promise<DecodedImage> {
  const size = hashingSize(image.width, image.height, maxSide);
  if (size.width >= image.rgbWidth && size.height >= image.rgbHeight) return image;
  const rgb = await sharp(image.rgb, { raw: { width: image.rgbWidth, height: image.rgbHeight, channels: 3 } })
    .resize(size.width, size.height, { fit: "fill" })
    .raw()
    .toBuffer();
  return { ...image, rgb, rgbWidth: size.width, rgbHeight: size.height };
}

/**
 * The size an image is decoded to for hashing. Images no larger than `target` keep their size (so small images
 * hash exactly as in the reference). Larger ones shrink to about `target` on the long side, choosing a size at which
 * both of PDQ's Jarosz windows (ceil(side / 128)) are odd: an odd box is centred, so the 64×64 downsample commutes
 * with rotations and flips and the 8 dihedral hashes derived from one DCT equal those of the transformed image
 * (0 bits apart on the reference set, against 16–18 bits at a plain 512 px with its even window).
 */
export function hashingSize(width: number, height: number, target = DEFAULT_HASH_SIDE): { width: number; height: number } {
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  if (long <= target) return { width, height };
  const oddWindow = (side: number) => Math.ceil(side / 128) % 2 === 1;
  let chosen = target;
  search: for (let d = 0; d < target; d++) {
    for (const side of [target - d, target + d]) {
      if (side < 64 || side >= long) continue;
      if (oddWindow(side) && oddWindow(Math.max(1, Math.round((short * side) / long)))) {
        chosen = side;
        break search;
      }
    }
  }
  const other = Math.max(1, Math.round((short * chosen) / long));
  return width >= height ? { width: chosen, height: other } : { width: other, height: chosen };
}

function isAccepted(format: string | undefined): format is ImageFormat {
  return (ACCEPTED_FORMATS as readonly string[]).includes(format ?? "");
}

/** libvips errors → the caller-facing kind; an ImprintError passes through. */
function toImprintError(error: unknown): ImprintError {
  if (error instanceof ImprintError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/unsupported image format/i.test(message)) {
    return new ImprintError("unsupported_image_format", "Images must be JPEG, PNG or WebP.");
  }
  if (/pixel limit/i.test(message)) {
    return new ImprintError("image_too_many_pixels", "The image has too many pixels.");
  }
  return new ImprintError("invalid_image", "The image could not be decoded (corrupt or truncated).", { cause: error });
}
