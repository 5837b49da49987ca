import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import sharp, { type ResizeOptions } from "sharp";
import { describe, expect, it } from "vitest";
import { decodeImage, type DecodedImage } from "../src/imaging/decode";
import { normaliseGrey, percentOf, typeScriptKernels, type NormaliseKernels } from "../src/imaging/normalise-grey";
import { DETAIL_SIDE, detailGrey, WORK_SIZE, workingGrey } from "../src/matching/features";
import { nativeAddon, nativeNormaliseKernels } from "../src/matching/native-addon";
import { mulberry32 } from "../src/matching/ransac";

const IMAGES = join(__dirname, "fixtures/images");
const imageFiles = readdirSync(IMAGES, { recursive: true, encoding: "utf8" })
  .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
  .map((f) => join(IMAGES, f));

/** What the grey images were before normalise-grey.ts: sharp's own pipeline, normalise() included. */
async function sharpPipeline(image: DecodedImage, resize: ResizeOptions): Promise<Uint8Array> {
  return sharp(image.rgb, { raw: { width: image.rgbWidth, height: image.rgbHeight, channels: 3 } })
    .greyscale()
    .resize(resize)
    .normalise()
    .raw()
    .toBuffer();
}

/** The kernels in TypeScript (the table probed from sharp), and the native addon's where it is built: each must give sharp's bytes. */
const kernelKinds: [string, NormaliseKernels][] = [
  ["TypeScript", typeScriptKernels],
  ...(nativeAddon() ? [["native addon", nativeNormaliseKernels()!] as [string, NormaliseKernels]] : []),
];

async function sharpNormalise(grey: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  return sharp(grey, { raw: { width, height, channels: 1 } }).greyscale().normalise().raw().toBuffer();
}

describe("the grey images' normalisation (sharp's normalise() as a table)", () => {
  it("gives the working and detail views of every fixture photo exactly as sharp's pipeline did", async () => {
    expect(imageFiles.length).toBeGreaterThan(30);
    for (const file of imageFiles) {
      const bytes = readFileSync(file);
      const working = await decodeImage(bytes);
      const expectedWorking = await sharpPipeline(working, { width: WORK_SIZE, height: WORK_SIZE, fit: "inside", kernel: "lanczos3" });
      expect(Buffer.from((await workingGrey(working)).data).equals(Buffer.from(expectedWorking)), file).toBe(true);
      const large = await decodeImage(bytes, { maxSide: DETAIL_SIDE });
      const expectedDetail = await sharpPipeline(large, { width: DETAIL_SIDE, height: DETAIL_SIDE, fit: "inside", withoutEnlargement: true, kernel: "lanczos3" });
      expect(Buffer.from((await detailGrey(large)).data).equals(Buffer.from(expectedDetail)), file).toBe(true);
    }
  });

  it("matches sharp on grey images of every shape of histogram, tiny and flat ones included", async () => {
    const random = mulberry32(7);
    const shapes = ["uniform range", "two tones", "dark tail", "one tone with specks", "flat"] as const;
    for (let t = 0; t < 150; t++) {
      const width = 1 + Math.floor(random() * 400);
      const height = 1 + Math.floor(random() * 300);
      const lo = Math.floor(random() * 256);
      const hi = Math.min(255, lo + Math.floor(random() * 256));
      const shape = shapes[t % shapes.length];
      const grey = new Uint8Array(width * height);
      for (let i = 0; i < grey.length; i++) {
        const r = random();
        grey[i] =
          shape === "uniform range" ? lo + Math.floor(r * (hi - lo + 1))
          : shape === "two tones" ? (r < 0.5 ? lo : hi)
          : shape === "dark tail" ? Math.min(255, lo + Math.floor(-Math.log(1 - r) * 20))
          : shape === "one tone with specks" ? (r < 0.97 ? lo : Math.floor(random() * 256))
          : lo;
      }
      const expected = await sharpNormalise(grey, width, height);
      for (const [kind, kernels] of kernelKinds) {
        const actual = await normaliseGrey(grey, width, height, kernels);
        expect(Buffer.from(actual).equals(Buffer.from(expected)), `${kind}: ${shape} ${width}×${height} ${lo}–${hi}`).toBe(true);
      }
    }
  });

  it("leaves its input untouched", async () => {
    const grey = Uint8Array.from({ length: 64 * 64 }, (_, i) => (i * 7) % 200);
    const before = grey.slice();
    await normaliseGrey(grey, 64, 64);
    expect(grey).toEqual(before);
  });
});

describe.skipIf(!nativeAddon())("the native normalisation kernels", () => {
  it("count and map as the TypeScript loops do", () => {
    const random = mulberry32(3);
    const grey = Uint8Array.from({ length: 70_001 }, () => Math.floor(random() * 256));
    const table = Uint8Array.from({ length: 256 }, () => Math.floor(random() * 256));
    expect(nativeAddon()!.levelCounts(grey)).toEqual(typeScriptKernels.counts(grey));
    expect(nativeAddon()!.mapLevels(grey, table)).toEqual(typeScriptKernels.map(grey, table));
    expect(nativeAddon()!.levelCounts(new Uint8Array(0))).toEqual(new Uint32Array(256));
  });

  it("compute normalise()'s output table as sharp does, at every pair of percentiles", async () => {
    // One grey level per L bin; an image holding every level up to the upper one once, and the two levels in halves,
    // has its percentiles at those two bins (libvips' arithmetic: percentOf). Every pair is needed: a cube root one
    // unit in the last place off (the system's cbrtf) changed one level at 6 of the ~4 850 pairs.
    const { data } = await sharp(Uint8Array.from({ length: 256 }, (_, g) => g), { raw: { width: 256, height: 1, channels: 1 } })
      .toColourspace("lab")
      .raw({ depth: "float" })
      .toBuffer({ resolveWithObject: true });
    const lab = new Float32Array(data.buffer, data.byteOffset, data.length / 4);
    const binOf = Uint8Array.from({ length: 256 }, (_, g) => Math.min(255, Math.max(0, Math.trunc(lab[g * 3]))));
    const levelOfBin = new Map<number, number>();
    binOf.forEach((bin, g) => levelOfBin.has(bin) || levelOfBin.set(bin, g));
    const bins = [...levelOfBin.keys()].sort((a, b) => a - b);
    const cases = bins.flatMap((lower, i) => bins.slice(i + 2).map((upper) => [lower, upper]));
    const checked = new Set<string>();
    const check = async ([lower, upper]: number[]) => {
      const levels = [...Array(256).keys()].filter((g) => binOf[g] <= upper);
      const width = 256, height = Math.ceil((levels.length + 26_000) / width);
      const image = new Uint8Array(width * height);
      image.set(levels);
      const half = levels.length + Math.floor((image.length - levels.length) / 2);
      image.fill(levelOfBin.get(lower)!, levels.length, half).fill(levelOfBin.get(upper)!, half);
      const counts = new Float64Array(256);
      for (const g of image) counts[binOf[g]]++;
      const [min, max] = [percentOf(counts, image.length, 1), percentOf(counts, image.length, 99)];
      if (max - min <= 1) return;
      const expected = await sharpNormalise(image, width, height);
      const table = nativeAddon()!.normaliseTable(min, max);
      const wrong = levels.filter((g, i) => table[g] !== expected[i]);
      expect(wrong, `percentiles ${min}, ${max}`).toEqual([]);
      checked.add(`${min}:${max}`);
    };
    // A few at a time: libvips runs them on its threads.
    for (let i = 0; i < cases.length; i += 8) await Promise.all(cases.slice(i, i + 8).map(check));
    expect(checked.size).toBeGreaterThan(4_500);
  });

  it("refuse a table without one entry per level, and what is not bytes", () => {
    expect(() => nativeAddon()!.mapLevels(new Uint8Array(10), new Uint8Array(255))).toThrow(RangeError);
    expect(() => (nativeAddon()!.levelCounts as (x: unknown) => Uint32Array)(new Uint16Array(4))).toThrow(TypeError);
    expect(() => nativeAddon()!.normaliseTable(10, 11)).toThrow(RangeError);
    expect(() => nativeAddon()!.normaliseTable(-1, 50)).toThrow(RangeError);
  });
});
