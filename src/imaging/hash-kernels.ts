/**
 * The per-pixel work of the image hashes: PDQ of 8-bit pixels and pHash's 32×32 input, from one luma image.
 * src/core's TypeScript by default; where the native addon is built, src/matching passes in its compiled
 * equivalent (src/matching/native/hashes.cc; its cost against the TypeScript: the README's opening). Both give the
 * same bits (test/hash-kernels.test.ts), so a hash the service stores is the one the open verifier and the browser
 * compute from the same pixels.
 */
import { lumaFromRgb, pdqFromLuma, type PdqResult } from "../core/pdq";
import { grey32FromLuma } from "../core/phash";
import type { DecodedImage } from "./decode";

export interface HashKernels {
  pdq(pixels: Uint8Array, width: number, height: number, channels: number): PdqResult;
  pdqAndGrey32(pixels: Uint8Array, width: number, height: number, channels: number): { pdq: PdqResult; grey32: Float32Array };
}

export const typeScriptHashKernels: HashKernels = {
  pdq: (pixels, width, height, channels) => pdqFromLuma(lumaFromRgb(pixels, width, height, channels), width, height),
  pdqAndGrey32(pixels, width, height, channels) {
    const luma = lumaFromRgb(pixels, width, height, channels);
    return { pdq: pdqFromLuma(luma, width, height), grey32: grey32FromLuma(luma, width, height) };
  },
};

/** PDQ of decoded pixels (decodeImage at its default size), as the fingerprint computes it. */
export function pdqOfDecoded(image: DecodedImage, kernels: HashKernels = typeScriptHashKernels): PdqResult {
  return kernels.pdq(image.rgb, image.rgbWidth, image.rgbHeight, 3);
}
