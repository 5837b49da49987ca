import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import sharp, { type ResizeOptions } from "sharp";
import { describe, expect, it } from "vitest";
import { decodeImage, type DecodedImage } from "../src/imaging/decode";
import { levelLoops, normaliseGrey, type LevelLoops } from "../src/imaging/normalise-grey";
import { DETAIL_SIDE, detailGrey, WORK_SIZE, workingGrey } from "../src/matching/features";
import { nativeAddon, nativeLevelLoops } from "../src/matching/native-addon";
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

/** The per-pixel loops in TypeScript, and the native addon's where it is built: each must give sharp's bytes. */
const loopKinds: [string, LevelLoops][] = [["TypeScript", levelLoops], ...(nativeAddon() ? [["native addon", nativeLevelLoops()!] as [string, LevelLoops]] : [])];

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
      for (const [kind, loops] of loopKinds) {
        const actual = await normaliseGrey(grey, width, height, loops);
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

describe.skipIf(!nativeAddon())("the native per-pixel loops", () => {
  it("count and map as the TypeScript loops do", () => {
    const random = mulberry32(3);
    const grey = Uint8Array.from({ length: 70_001 }, () => Math.floor(random() * 256));
    const table = Uint8Array.from({ length: 256 }, () => Math.floor(random() * 256));
    expect(nativeAddon()!.levelCounts(grey)).toEqual(levelLoops.counts(grey));
    expect(nativeAddon()!.mapLevels(grey, table)).toEqual(levelLoops.map(grey, table));
    expect(nativeAddon()!.levelCounts(new Uint8Array(0))).toEqual(new Uint32Array(256));
  });

  it("refuse a table without one entry per level, and what is not bytes", () => {
    expect(() => nativeAddon()!.mapLevels(new Uint8Array(10), new Uint8Array(255))).toThrow(RangeError);
    expect(() => (nativeAddon()!.levelCounts as (x: unknown) => Uint32Array)(new Uint16Array(4))).toThrow(TypeError);
  });
});
