import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { STATUS_OF } from "../src/http/error-status";
import { ImprintError } from "../src/core/errors";
import { hamming64, hammingBytes } from "../src/core/hamming";
import { fromHex } from "../src/core/hex";
import { inlineAnalyser } from "../src/use-cases/image-analysis";
import { checkOriginalQuality, fingerprintImage, hashingSize, inspectImage, MAX_PNG_DECODE_COST } from "../src/imaging";

const PHOTOS = join(__dirname, "fixtures/images/photos");
const photo = (f: string) => readFileSync(join(PHOTOS, f));

async function rejection(p: Promise<unknown>): Promise<ImprintError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImprintError);
  return error as ImprintError;
}

/** A PNG whose IHDR claims width × height RGB pixels of `depth` bits, with one tiny IDAT (libspng wants one) and IEND. */
function pngHeaderOnly(width: number, height: number, depth = 8): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([depth, 2, 0, 0, 0], 8); // RGB, deflate, no filter, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.alloc(64))), chunk("IEND", Buffer.alloc(0))]);
}

describe("fingerprintImage", () => {
  it.each([
    ["building.jpg", "jpeg", 868, 600],
    ["aloe.webp", "webp", 900, 779],
    ["smarties.png", "png", 413, 356],
    ["home-small.jpg", "jpeg", 512, 384],
  ] as const)("fingerprints %s", async (file, format, width, height) => {
    const bytes = photo(file);
    const fp = await fingerprintImage(bytes);
    expect(fp.format).toBe(format);
    expect([fp.width, fp.height]).toEqual([width, height]);
    expect(fp.sha256).toBe("0x" + createHash("sha256").update(bytes).digest("hex"));
    expect(fp.pdq).toMatch(/^0x[0-9a-f]{64}$/);
    expect(fp.pdqQuality).toBeGreaterThanOrEqual(50);
    expect(typeof fp.phash).toBe("bigint");
    expect(fp.phash >= 0n && fp.phash < 1n << 64n).toBe(true);
    const thumb = await sharp(fp.thumbnail).metadata();
    expect(thumb.format).toBe("webp");
    expect(Math.max(thumb.width!, thumb.height!)).toBe(256);
    expect(thumb.width! / thumb.height!).toBeCloseTo(width / height, 1);
  });

  it("does not enlarge thumbnails of small images", async () => {
    const tiny = await sharp(photo("building.jpg")).resize(120).png().toBuffer();
    const fp = await fingerprintImage(tiny);
    expect((await sharp(fp.thumbnail).metadata()).width).toBe(120);
  });

  it("keeps pHash and PDQ close under recompression and resizing, and pHash far between different photos", async () => {
    const files = ["building.jpg", "aloe.webp", "smarties.png", "home-small.jpg"];
    const fps = await Promise.all(files.map((f) => fingerprintImage(photo(f))));
    for (const [i, f] of files.entries()) {
      const q40 = await fingerprintImage(await sharp(photo(f)).jpeg({ quality: 40 }).toBuffer());
      const half = await fingerprintImage(await sharp(photo(f)).resize({ width: 200 }).png().toBuffer());
      expect(hamming64(q40.phash, fps[i].phash), `${f} q40`).toBeLessThanOrEqual(4);
      expect(hamming64(half.phash, fps[i].phash), `${f} 200px`).toBeLessThanOrEqual(6);
      expect(hammingBytes(fromHex(q40.pdq), fromHex(fps[i].pdq)), `${f} q40 pdq`).toBeLessThanOrEqual(16);
      expect(hammingBytes(fromHex(half.pdq), fromHex(fps[i].pdq)), `${f} 200px pdq`).toBeLessThanOrEqual(31);
      for (let j = i + 1; j < files.length; j++) {
        expect(hamming64(fps[i].phash, fps[j].phash), `${f} vs ${files[j]}`).toBeGreaterThanOrEqual(20);
        expect(hammingBytes(fromHex(fps[i].pdq), fromHex(fps[j].pdq))).toBeGreaterThan(90);
      }
    }
  });

  it("is the same for the same pixels whatever the container (PNG vs lossless WebP)", async () => {
    const src = photo("smarties.png");
    const [a, b] = await Promise.all([fingerprintImage(src), fingerprintImage(await sharp(src).webp({ lossless: true }).toBuffer())]);
    expect(b.format).toBe("webp");
    expect(b.pdq).toBe(a.pdq);
    expect(b.phash).toBe(a.phash);
    expect(b.sha256).not.toBe(a.sha256);
  });
});

describe("decoding refuses what it should", () => {
  const jpeg = photo("building.jpg");

  it("400 invalid_image for empty, truncated and corrupt JPEGs", async () => {
    for (const bad of [
      Buffer.alloc(0),
      jpeg.subarray(0, Math.floor(jpeg.length / 2)),
      jpeg.subarray(0, 300),
      Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(4000, 7)]),
    ]) {
      const e = await rejection(fingerprintImage(bad));
      expect([STATUS_OF[e.code], e.code]).toEqual([400, "invalid_image"]);
    }
  });

  it("415 unsupported_image_format for text, GIF, TIFF, SVG, AVIF and random bytes", async () => {
    let seed = 1;
    const random = Buffer.from(Array.from({ length: 5000 }, () => (seed = (seed * 48271) % 2147483647) & 255));
    const small = sharp(jpeg).resize(64);
    for (const bad of [
      Buffer.from("hello, this is not an image\n"),
      await small.clone().gif().toBuffer(),
      await small.clone().tiff().toBuffer(),
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'),
      await small.clone().avif().toBuffer(),
      random,
    ]) {
      const e = await rejection(fingerprintImage(bad));
      expect([STATUS_OF[e.code], e.code]).toEqual([415, "unsupported_image_format"]);
    }
  });

  it("413 image_too_large over maxBytes (5 MB by default)", async () => {
    const e = await rejection(fingerprintImage(jpeg, { maxBytes: 10_000 }));
    expect([STATUS_OF[e.code], e.code]).toEqual([413, "image_too_large"]);
    const big = Buffer.concat([jpeg, Buffer.alloc(5 * 1024 * 1024)]);
    expect((await rejection(fingerprintImage(big))).code).toBe("image_too_large");
  });

  it("422 image_too_many_pixels for a decompression bomb, before decoding", async () => {
    const bomb = pngHeaderOnly(100_000, 100_000); // 10 gigapixels in ~80 bytes
    expect(bomb.length).toBeLessThan(100);
    const started = performance.now();
    const e = await rejection(fingerprintImage(bomb));
    expect([STATUS_OF[e.code], e.code]).toEqual([422, "image_too_many_pixels"]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("422 image_too_many_pixels for a real solid PNG above a low maxPixels", async () => {
    const solid = await sharp({ create: { width: 2000, height: 2000, channels: 3, background: "#808080" } }).png().toBuffer();
    expect(solid.length).toBeLessThan(100_000);
    const e = await rejection(fingerprintImage(solid, { maxPixels: 1_000_000 }));
    expect([STATUS_OF[e.code], e.code]).toEqual([422, "image_too_many_pixels"]);
    const fp = await fingerprintImage(solid, { maxPixels: 4_000_000 });
    expect(fp.pdqQuality).toBe(0);
  });

  it("400 invalid_image for a JPEG whose header claims more pixels than its data holds", async () => {
    // 1200×799 of entropy-coded data under a frame header that says 6000×6600: decoding would pad it with grey.
    const liar = await sharp(jpeg).resize(1200, 799, { fit: "fill" }).jpeg({ quality: 85 }).toBuffer();
    let at = 2;
    while (!(liar[at + 1] >= 0xc0 && liar[at + 1] <= 0xc2)) at += 2 + liar.readUInt16BE(at + 2);
    liar.writeUInt16BE(6600, at + 5);
    liar.writeUInt16BE(6000, at + 7);
    expect(await inspectImage(liar)).toMatchObject({ width: 6000, height: 6600 });
    const e = await rejection(fingerprintImage(liar));
    expect([STATUS_OF[e.code], e.code]).toEqual([400, "invalid_image"]);
  });

  it("422 image_too_many_pixels for a PNG that would cost too much to decode, before decoding", async () => {
    // Within the 40 M pixel limit, but PNG cannot shrink while decoding and 16-bit samples cost ~8× more.
    const wide = pngHeaderOnly(6300, 6300, 16);
    const started = performance.now();
    const e = await rejection(fingerprintImage(wide));
    expect([STATUS_OF[e.code], e.code]).toEqual([422, "image_too_many_pixels"]);
    expect(e.message).toMatch(/16-bit PNG/);
    expect(performance.now() - started).toBeLessThan(1000);
    expect((await rejection(fingerprintImage(pngHeaderOnly(6000, 6000)))).code).toBe("image_too_many_pixels");
    expect(MAX_PNG_DECODE_COST).toBeGreaterThanOrEqual(4096 * 4096); // a 4K-square 8-bit PNG still decodes
  });

  it("verification of a presented image decodes within the service's limits (the analyser's fingerprint)", async () => {
    const analyser = inlineAnalyser({ MAX_UPLOAD_BYTES: 10_000, MAX_IMAGE_PIXELS: 40_000_000 });
    expect((await rejection(analyser.fingerprint(jpeg))).code).toBe("image_too_large");
    const fewPixels = inlineAnalyser({ MAX_UPLOAD_BYTES: 5 * 1024 * 1024, MAX_IMAGE_PIXELS: 100_000 });
    expect((await rejection(fewPixels.fingerprint(jpeg))).code).toBe("image_too_many_pixels");
    expect((await rejection(fewPixels.fingerprint(pngHeaderOnly(6300, 6300, 16)))).code).toBe("image_too_many_pixels");
  });

  it("reports oriented dimensions from the header", async () => {
    const rotated = await sharp(jpeg).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    expect(await inspectImage(rotated)).toEqual({ format: "jpeg", width: 600, height: 868 });
  });
});

describe("hashingSize", () => {
  it("keeps small images, and picks odd Jarosz windows for large ones", () => {
    expect(hashingSize(400, 300)).toEqual({ width: 400, height: 300 });
    for (const [w, h] of [[1600, 1004], [4032, 3024], [3024, 4032], [1920, 1080], [5000, 5000], [6000, 200]]) {
      const s = hashingSize(w, h);
      expect(Math.ceil(s.width / 128) % 2, `${w}×${h} → ${s.width}×${s.height}`).toBe(1);
      expect(Math.ceil(s.height / 128) % 2, `${w}×${h} → ${s.width}×${s.height}`).toBe(1);
      expect(Math.abs(s.width / s.height - w / h) / (w / h)).toBeLessThan(0.02);
      expect(s.width < w && s.height <= h).toBe(true);
    }
  });
});

describe("checkOriginalQuality", () => {
  it("refuses images under the minimum side and warns on low PDQ quality", () => {
    expect(checkOriginalQuality({ width: 868, height: 600, pdqQuality: 100 }, 600)).toEqual({ ok: true, warnings: [] });
    expect(checkOriginalQuality({ width: 512, height: 384, pdqQuality: 100 }, 600)).toEqual({
      ok: false,
      code: "image_too_small",
      warnings: [],
    });
    expect(checkOriginalQuality({ width: 2000, height: 2000, pdqQuality: 12 }, 600)).toEqual({
      ok: true,
      warnings: ["low_pdq_quality"],
    });
  });
});
