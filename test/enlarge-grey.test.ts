import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { decodeImage } from "../src/imaging/decode";
import { enlargeGrey, enlargePasses, type EnlargePasses, type GreyPixels } from "../src/imaging/enlarge-grey";
import { DETAIL_SIDE, detailGrey, windowLayout, WORK_SIZE } from "../src/matching/features";
import { nativeAddon, nativeEnlargePasses } from "../src/matching/native-addon";
import { mulberry32 } from "../src/matching/ransac";
import { sharpEnlarged } from "./helpers/sharp-enlarged";

const PHOTOS = join(__dirname, "fixtures/images/photos");
const photoFiles = readdirSync(PHOTOS)
  .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
  .map((f) => join(PHOTOS, f));

function expectSame(mine: GreyPixels, theirs: GreyPixels, what: string) {
  expect([mine.width, mine.height], what).toEqual([theirs.width, theirs.height]);
  expect(Buffer.from(mine.data).equals(Buffer.from(theirs.data)), what).toBe(true);
}

/** The TypeScript passes, and the native addon's where it is built: each must give sharp's bytes. */
const kernels: [string, EnlargePasses][] = [["TypeScript", enlargePasses], ...(nativeAddon() ? [["native addon", nativeEnlargePasses()!] as [string, EnlargePasses]] : [])];

describe.each(kernels)("a grey rectangle enlarged as sharp enlarges it (%s passes)", (_, passes) => {
  it("gives every region proposal of the fixture photos' detail views, at whole and fractional factors, as sharp does", async () => {
    let windows = 0;
    const factors = new Set<number>();
    for (const file of photoFiles) {
      // The photo as it comes, and shrunk so that its detail view's windows are enlarged by other factors than 2.
      for (const side of [undefined, 900, 700]) {
        const bytes = side ? await sharp(readFileSync(file)).resize(side, side, { fit: "inside" }).png().toBuffer() : readFileSync(file);
        const g = await detailGrey(await decodeImage(bytes, { maxSide: DETAIL_SIDE }));
        if (Math.max(g.width, g.height) < 640) continue;
        const layout = windowLayout(g);
        factors.add(WORK_SIZE / Math.max(layout.width, layout.height));
        for (const { left, top } of layout.origins) {
          const rect = { left, top, width: layout.width, height: layout.height };
          expectSame(enlargeGrey(g, rect, WORK_SIZE, passes), await sharpEnlarged(g, rect, WORK_SIZE), `${file} at ${side ?? "its size"}, window ${left},${top}`);
          windows++;
        }
      }
    }
    expect(windows).toBeGreaterThan(100);
    expect(factors.size).toBeGreaterThanOrEqual(3);
  });

  it("matches sharp on random rectangles of random and smooth images, thin and tiny ones included", async () => {
    const random = mulberry32(11);
    let cases = 0;
    while (cases < 120) {
      const width = 20 + Math.floor(random() * 500), height = 20 + Math.floor(random() * 500);
      const smooth = random() < 0.5;
      const data = Uint8Array.from({ length: width * height }, (_, i) =>
        smooth ? Math.round(127 + 120 * Math.sin((i % width) / 7) * Math.cos(Math.floor(i / width) / 5)) : Math.floor(random() * 256),
      );
      const w = 1 + Math.floor(random() * Math.min(width, 300)), h = 1 + Math.floor(random() * Math.min(height, 300));
      const rect = { left: Math.floor(random() * (width - w + 1)), top: Math.floor(random() * (height - h + 1)), width: w, height: h };
      const side = [WORK_SIZE, 300, 1000, 64][Math.floor(random() * 4)];
      if (Math.max(w, h) >= side) continue;
      const image = { width, height, data };
      expectSame(enlargeGrey(image, rect, side, passes), await sharpEnlarged(image, rect, side), JSON.stringify({ width, height, rect, side }));
      cases++;
    }
  });

  it("only enlarges", () => {
    const image = { width: 600, height: 600, data: new Uint8Array(600 * 600) };
    expect(() => enlargeGrey(image, { left: 0, top: 0, width: 600, height: 600 }, WORK_SIZE, passes)).toThrow(/only enlarges/);
  });
});

describe.skipIf(!nativeAddon())("the native enlargement's bounds", () => {
  // Its arguments come from JavaScript: a rectangle or a tap outside the image must be refused, never read.
  const image = { width: 40, height: 30, data: new Uint8Array(40 * 30) };
  const taps = (source: number[]) => ({ source: Int32Array.from(source), weight: Int32Array.from(source, () => 1024) });
  const enlarge = (left: number, top: number, width: number, height: number, columns: number[], rows: number[]) => {
    const c = taps(columns), r = taps(rows);
    return nativeAddon()!.enlarge(image.data, image.width, left, top, width, height, c.source, c.weight, r.source, r.weight);
  };

  it("enlarges a rectangle inside the image", () => {
    expect(enlarge(30, 20, 10, 10, [0, 1, 2, 3, 6, 7, 8, 9], [0, 0, 1, 9])).toHaveLength(2);
  });

  it("refuses a rectangle that leaves the image, a tap outside the rectangle, or taps not in fours", () => {
    expect(() => enlarge(31, 0, 10, 10, [0, 0, 0, 0], [0, 0, 0, 0])).toThrow(RangeError);
    expect(() => enlarge(0, 21, 10, 10, [0, 0, 0, 0], [0, 0, 0, 0])).toThrow(RangeError);
    expect(() => enlarge(0, 0, 10, 10, [0, 0, 0, 10], [0, 0, 0, 0])).toThrow(RangeError);
    expect(() => enlarge(0, 0, 10, 10, [0, 0, 0, 0], [0, -1, 0, 0])).toThrow(RangeError);
    expect(() => enlarge(0, 0, 10, 10, [0, 0, 0], [0, 0, 0, 0])).toThrow(RangeError);
  });
});
