import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import sharp, { type ResizeOptions } from "sharp";
import { describe, expect, it } from "vitest";
import { decodeImage, hashingSize, type DecodedImage } from "../src/imaging/decode";
import { normaliseGrey } from "../src/imaging/normalise-grey";
import { reduceLikeSharp, reducePasses, sharpShrinks, type Pixels, type ReducePasses } from "../src/imaging/reduce";
import { DETAIL_SIDE, detailGrey, workingGrey, WORK_SIZE } from "../src/matching/features";
import { nativeAddon, nativeReducePasses } from "../src/matching/native-addon";
import { mulberry32 } from "../src/matching/ransac";

const PHOTOS = join(__dirname, "fixtures/images/photos");
const photoFiles = readdirSync(PHOTOS)
  .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
  .map((f) => join(PHOTOS, f));

/** sharp's own resize of the same pixels, as the stored features were calibrated with. */
async function sharpResized(image: Pixels, width: number, height: number, fit: "inside" | "fill"): Promise<Pixels> {
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } }).resize(width, height, {
    fit,
    kernel: "lanczos3",
  });
  // sharp turns a one-band image into sRGB on output; its first band is the grey one.
  if (image.channels === 1) pipeline = pipeline.extractChannel(0);
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: image.channels, data: new Uint8Array(data) };
}

async function greyOf(rgb: DecodedImage): Promise<Pixels> {
  const { data, info } = await sharp(rgb.rgb, { raw: { width: rgb.rgbWidth, height: rgb.rgbHeight, channels: 3 } }).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 1, data: new Uint8Array(data) };
}

function rgbOf(image: DecodedImage): Pixels {
  return { width: image.rgbWidth, height: image.rgbHeight, channels: 3, data: image.rgb };
}

function expectSame(mine: { width: number; height: number; data: Uint8Array }, theirs: { width: number; height: number; data: Uint8Array }, what: string) {
  expect([mine.width, mine.height], what).toEqual([theirs.width, theirs.height]);
  expect(Buffer.from(mine.data.buffer, mine.data.byteOffset, mine.data.length).equals(Buffer.from(theirs.data.buffer, theirs.data.byteOffset, theirs.data.length)), what).toBe(true);
}

/** Reduces `image` into `width` × `height` (`fit`) and holds it to sharp's bytes; false when it is not a reduction done here. */
async function expectAsSharp(image: Pixels, width: number, height: number, fit: "inside" | "fill", passes: ReducePasses, what: string): Promise<boolean> {
  const { hshrink, vshrink } = sharpShrinks(image.width, image.height, width, height, fit);
  const mine = reduceLikeSharp(image, hshrink, vshrink, passes);
  if (!mine) return false;
  expectSame(mine, await sharpResized(image, width, height, fit), what);
  return true;
}

function synthetic(random: () => number, width: number, height: number, channels: 1 | 3, smooth: boolean): Pixels {
  const data = Uint8Array.from({ length: width * height * channels }, (_, i) => {
    const x = Math.floor(i / channels) % width, y = Math.floor(i / channels / width);
    return smooth ? Math.round(127 + 120 * Math.sin(x / 7 + (i % channels)) * Math.cos(y / 5)) : Math.floor(random() * 256);
  });
  return { width, height, channels, data };
}

/** The TypeScript passes, and the native addon's where it is built: each must give sharp's bytes. */
const kernels: [string, ReducePasses][] = [["TypeScript", reducePasses], ...(nativeAddon() ? [["native addon", nativeReducePasses()!] as [string, ReducePasses]] : [])];

describe.each(kernels)("an image reduced as sharp reduces it (%s passes)", (_, passes) => {
  it("gives the fixture photos' grey and RGB pixels as sharp does, at factors over (1, 2]", async () => {
    const factors: number[] = [];
    for (const file of photoFiles) {
      for (const maxSide of [576, 1024]) {
        const decoded = await decodeImage(readFileSync(file), { maxSide });
        const long = Math.max(decoded.rgbWidth, decoded.rgbHeight);
        for (const image of [await greyOf(decoded), rgbOf(decoded)]) {
          // The working image's shrink (576 → 512 for the usual decode), then others up to 2.
          for (const side of [WORK_SIZE, Math.round(long / 1.3), Math.round(long / 1.61), Math.ceil(long / 2)]) {
            if (side >= long) continue;
            const what = `${file} at ${decoded.rgbWidth}×${decoded.rgbHeight}, ${image.channels} band(s), into ${side}`;
            expect(await expectAsSharp(image, side, side, "inside", passes, what), what).toBe(true);
            factors.push(long / side);
          }
          const size = hashingSize(decoded.width, decoded.height, Math.round(long / 1.45));
          if (size.width < image.width) expect(await expectAsSharp(image, size.width, size.height, "fill", passes, `${file} filled`)).toBe(true);
        }
      }
    }
    // The working image's own case: a photo decoded to 576 px on its long side, into 512.
    for (const file of photoFiles) {
      const { data, info } = await sharp(readFileSync(file)).resize(576, 576, { fit: "inside" }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const rgb = { width: info.width, height: info.height, channels: 3 as const, data: new Uint8Array(data) };
      const grey = await greyOf({ rgb: data, rgbWidth: info.width, rgbHeight: info.height } as DecodedImage);
      for (const image of [grey, rgb]) expect(await expectAsSharp(image, WORK_SIZE, WORK_SIZE, "inside", passes, `${file} at 576, into 512`)).toBe(true);
      factors.push(576 / WORK_SIZE);
    }
    expect(factors).toContain(576 / 512);
    expect(Math.min(...factors)).toBeLessThan(1.15);
    expect(Math.max(...factors)).toBeGreaterThan(1.95);
  });

  it("matches sharp on thin, tiny and awkward sizes", async () => {
    const random = mulberry32(3);
    const cases: [number, number, number, number][] = [
      [577, 3, 512, 512],
      [3, 577, 512, 512],
      [1, 900, 512, 512],
      [900, 1, 512, 512],
      [2, 2, 1, 1],
      [5, 3, 3, 2],
      [1024, 577, 576, 324],
    ];
    for (const [width, height, w, h] of cases) {
      for (const channels of [1, 3] as const) {
        const image = synthetic(random, width, height, channels, false);
        const what = `${width}×${height}×${channels} into ${w}×${h}`;
        expect(await expectAsSharp(image, w, h, width === 1024 ? "fill" : "inside", passes, what), what).toBe(true);
      }
    }
  });

  it("matches sharp on random and smooth images at random factors, 1 and 3 bands, both fits", async () => {
    const random = mulberry32(17);
    for (let c = 0; c < 80; c++) {
      const width = 1 + Math.floor(random() * 400), height = 1 + Math.floor(random() * 400);
      const channels = random() < 0.5 ? 1 : 3;
      const image = synthetic(random, width, height, channels, random() < 0.5);
      const fit = random() < 0.5 ? "inside" : "fill";
      const across = 1 + random(), down = fit === "fill" ? 1 + random() : across;
      const w = Math.max(1, Math.round(width / across)), h = Math.max(1, Math.round(height / down));
      const what = JSON.stringify({ width, height, channels, fit, w, h });
      expect(await expectAsSharp(image, w, h, fit, passes, what), what).toBe(true);
    }
  });

  it("samples rows as libvips does, strip by strip, whatever sharp's concurrency", async () => {
    // At these sizes the sampling position summed from the start of each 16-row strip and the one summed from the
    // top of the image (or computed as a product) fall in different phases: a wrong model would change bytes.
    const random = mulberry32(5);
    const sizes: [number, number][] = [[24, 18], [30, 25], [32, 24], [153, 136], [265, 212], [577, 433]];
    const concurrency = sharp.concurrency();
    try {
      for (const threads of [1, 4]) {
        sharp.concurrency(threads);
        for (const [length, target] of sizes) {
          for (const channels of [1, 3] as const) {
            const tall = synthetic(random, 40, length, channels, false), wide = synthetic(random, length, 40, channels, false);
            expect(await expectAsSharp(tall, 40, target, "fill", passes, `${length} rows into ${target}`)).toBe(true);
            expect(await expectAsSharp(wide, target, 40, "fill", passes, `${length} columns into ${target}`)).toBe(true);
          }
        }
      }
    } finally {
      sharp.concurrency(concurrency);
    }
  });

  it("leaves enlargements and larger shrinks to sharp, and factors of 1 as they are", () => {
    const image = synthetic(mulberry32(1), 100, 80, 1, true);
    expect(reduceLikeSharp(image, 0.9, 0.9, passes)).toBeUndefined();
    expect(reduceLikeSharp(image, 2.01, 1.5, passes)).toBeUndefined();
    expect(reduceLikeSharp(image, 1, 1, passes)).toBe(image);
    expect(reduceLikeSharp(image, 1, 1.25, passes)).toMatchObject({ width: 100, height: 64 });
  });
});

describe("the grey working image and the hashes' RGB, as sharp gave them", () => {
  /** normalisedGrey before src/imaging/reduce.ts: sharp greyed and resized the pixels in one pipeline. */
  async function oldGrey(image: DecodedImage, resize: ResizeOptions) {
    const { data, info } = await sharp(image.rgb, { raw: { width: image.rgbWidth, height: image.rgbHeight, channels: 3 } })
      .greyscale()
      .resize(resize)
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: await normaliseGrey(new Uint8Array(data), info.width, info.height) };
  }

  it("gives workingGrey's and detailGrey's old bytes on the fixture photos, reduced, enlarged or at 512 already", async () => {
    for (const file of photoFiles) {
      for (const side of [undefined, 512, 400, 300]) {
        const bytes = side ? await sharp(readFileSync(file)).resize(side, side, { fit: "inside" }).png().toBuffer() : readFileSync(file);
        for (const maxSide of [undefined, 1100]) {
          const image = await decodeImage(bytes, { maxSide });
          expectSame(await workingGrey(image), await oldGrey(image, { width: WORK_SIZE, height: WORK_SIZE, fit: "inside", kernel: "lanczos3" }), `${file} at ${side}, ${maxSide}`);
          expectSame(
            await detailGrey(image),
            await oldGrey(image, { width: DETAIL_SIDE, height: DETAIL_SIDE, fit: "inside", withoutEnlargement: true, kernel: "lanczos3" }),
            `${file} detail at ${side}, ${maxSide}`,
          );
        }
      }
    }
  });
});

describe.skipIf(!nativeAddon())("the native reduction's bounds", () => {
  // Its arguments come from JavaScript: an image of the wrong size or a tap outside it must be refused, never read.
  const pixels = new Uint8Array(40 * 30);
  const taps = (source: number[]) => Int32Array.from(source);
  const reduce = (width: number, height: number, channels: number, rowPoints: number, rows: number[], columnPoints: number, columns: number[]) =>
    nativeAddon()!.reduce(pixels, width, height, channels, rowPoints, taps(rows), taps(rows), columnPoints, taps(columns), taps(columns));

  it("reduces an image within its bounds", () => {
    expect(reduce(40, 30, 1, 2, [0, 29], 2, [0, 39, 1, 2])).toHaveLength(2);
  });

  it("refuses a wrong size, a tap outside the image, taps not in whole masks, or no pass at all", () => {
    expect(() => reduce(40, 31, 1, 2, [0, 1], 0, [])).toThrow(RangeError);
    expect(() => reduce(40, 11, 3, 2, [0, 1], 0, [])).toThrow(RangeError);
    expect(() => reduce(40, 30, 1, 2, [0, 30], 0, [])).toThrow(RangeError);
    expect(() => reduce(40, 30, 1, 0, [], 2, [-1, 0])).toThrow(RangeError);
    expect(() => reduce(40, 30, 1, 2, [0, 1, 2], 0, [])).toThrow(RangeError);
    expect(() => reduce(40, 30, 1, 0, [], 0, [])).toThrow(RangeError);
  });
});
