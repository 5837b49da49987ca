import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { nativeAddon } from "../src/matching/native-addon";

const native = nativeAddon();

/** Every 8-bit sRGB colour once, as a 4096 × 4096 image (colour c at pixel c). */
function everyColour(): Buffer {
  const rgb = Buffer.alloc((1 << 24) * 3);
  for (let c = 0; c < 1 << 24; c++) {
    rgb[3 * c] = c >> 16;
    rgb[3 * c + 1] = (c >> 8) & 255;
    rgb[3 * c + 2] = c & 255;
  }
  return rgb;
}

describe.skipIf(!native)("the native addon's greyscale", () => {
  it("gives sharp's greyscale() for every one of the 2^24 colours (each grey level depends on its pixel alone)", async () => {
    const rgb = everyColour();
    const theirs = await sharp(rgb, { raw: { width: 4096, height: 4096, channels: 3 } }).greyscale().raw().toBuffer();
    const mine = native!.greyscale(rgb);
    expect(mine.length).toBe(1 << 24);
    expect(Buffer.from(mine.buffer, mine.byteOffset, mine.length).equals(theirs)).toBe(true);
  });

  it("refuses what is not whole RGB pixels in a Uint8Array", () => {
    expect(() => native!.greyscale(new Uint8Array(4))).toThrow(RangeError);
    expect(() => (native!.greyscale as (x: unknown) => Uint8Array)([1, 2, 3])).toThrow(TypeError);
    expect(native!.greyscale(new Uint8Array(0)).length).toBe(0);
  });
});
