/**
 * The native addon's hash kernels (src/matching/native/hashes.cc) against src/core's TypeScript: the same luma for
 * every colour, and the same PDQ (hash and quality) and pHash input, float for float, on real photos, Meta's PDQ
 * reference images and sizes at the edges of PDQ's filters. A stored hash must be the one the open verifier computes.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lumaFromRgb, PDQ_DCT_BASIS } from "../src/core/pdq";
import { decodeImage } from "../src/imaging/decode";
import { fingerprintDecoded, fingerprintImage } from "../src/imaging/fingerprint";
import { typeScriptHashKernels } from "../src/imaging/hash-kernels";
import { mulberry32 } from "../src/matching/ransac";
import { hashKernels, nativeAddon } from "../src/matching/native-addon";

const native = nativeAddon();
const IMAGES = join(__dirname, "fixtures/images");

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : /\.(jpe?g|png|webp)$/i.test(name) ? [path] : [];
  });
}

const bytesOf = (floats: Float32Array) => Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** Both kernels on the same pixels: PDQ, its quality and pHash's input, compared bit for bit. */
function expectSameHashes(rgb: Uint8Array, width: number, height: number, channels: number, label: string) {
  const expected = typeScriptHashKernels.pdqAndGrey32(rgb, width, height, channels);
  for (const actual of [hashKernels().pdqAndGrey32(rgb, width, height, channels), { pdq: hashKernels().pdq(rgb, width, height, channels), grey32: expected.grey32 }]) {
    expect(hex(actual.pdq.hash), `${label}: PDQ`).toBe(hex(expected.pdq.hash));
    expect(actual.pdq.quality, `${label}: PDQ quality`).toBe(expected.pdq.quality);
    expect(bytesOf(actual.grey32).equals(bytesOf(expected.grey32)), `${label}: pHash input`).toBe(true);
  }
}

describe.skipIf(!native)("the native addon's hash kernels", () => {
  it("compute the TypeScript luma for every one of the 2^24 colours (read back as pHash's input of 32×32 images, which is their luma)", () => {
    const rgb = new Uint8Array((1 << 24) * 3);
    for (let c = 0; c < 1 << 24; c++) {
      rgb[3 * c] = c >> 16;
      rgb[3 * c + 1] = (c >> 8) & 255;
      rgb[3 * c + 2] = c & 255;
    }
    const luma = bytesOf(lumaFromRgb(rgb, 4096, 4096, 3));
    const block = 32 * 32;
    for (let start = 0; start < 1 << 24; start += block) {
      const { grey32 } = hashKernels().pdqAndGrey32(rgb.subarray(3 * start, 3 * (start + block)), 32, 32, 3);
      if (!bytesOf(grey32).equals(luma.subarray(4 * start, 4 * (start + block)))) expect.fail(`the luma of colours ${start}…${start + block - 1} differs`);
    }
  });

  it("give the TypeScript PDQ, quality and pHash input on every fixture image, at the hashing size and at 1 024 px", async () => {
    const files = filesUnder(IMAGES);
    expect(files.length).toBeGreaterThan(30);
    for (const file of files) {
      for (const maxSide of [undefined, 1024]) {
        const image = await decodeImage(readFileSync(file), maxSide ? { maxSide } : {});
        expectSameHashes(image.rgb, image.rgbWidth, image.rgbHeight, 3, `${file} at ${image.rgbWidth}×${image.rgbHeight}`);
      }
    }
  });

  it("give the same at the edges of PDQ's filters and decimation: tiny, 64×64, thin and odd sizes, four channels", () => {
    const rand = mulberry32(7);
    for (const [width, height, channels] of [[5, 5, 3], [4, 9, 3], [9, 4, 3], [64, 64, 3], [63, 65, 3], [128, 129, 4], [577, 433, 3], [1, 300, 3], [300, 1, 4], [1000, 7, 3], [7, 1000, 3]]) {
      const rgb = Uint8Array.from({ length: width * height * channels }, () => Math.floor(rand() * 256));
      expectSameHashes(rgb, width, height, channels, `noise ${width}×${height}×${channels}`);
    }
  });

  it("make the fingerprint the TypeScript makes", async () => {
    for (const file of ["photos/building.jpg", "photos/smarties.png", "pdq/exif-rotn/exif-rotn-6.jpg"]) {
      const bytes = readFileSync(join(IMAGES, file));
      const image = await decodeImage(bytes);
      const [viaNative, viaTypeScript] = await Promise.all([fingerprintDecoded(bytes, image, hashKernels()), fingerprintImage(bytes)]);
      expect(hashKernels()).not.toBe(typeScriptHashKernels);
      expect({ ...viaNative, thumbnail: undefined }).toEqual({ ...viaTypeScript, thumbnail: undefined });
    }
  });

  it("refuse pixels shorter than the size they are given, too few channels and a DCT basis of the wrong size", () => {
    expect(() => native!.hashes(new Uint8Array(299), 10, 10, 3, PDQ_DCT_BASIS, true)).toThrow(RangeError);
    expect(() => native!.hashes(new Uint8Array(200), 10, 10, 2, PDQ_DCT_BASIS, true)).toThrow(RangeError);
    expect(() => native!.hashes(new Uint8Array(300), 0, 10, 3, PDQ_DCT_BASIS, true)).toThrow(RangeError);
    expect(() => native!.hashes(new Uint8Array(300), 10, 10, 3, new Float32Array(16), true)).toThrow(RangeError);
    expect(() => (native!.hashes as (...args: unknown[]) => unknown)(new Float32Array(300), 10, 10, 3, PDQ_DCT_BASIS, true)).toThrow(TypeError);
    expect(native!.hashes(new Uint8Array(300), 10, 10, 3, PDQ_DCT_BASIS, false).grey32).toBeUndefined();
  });
});
