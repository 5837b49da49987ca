import { readFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { hamming64, hammingBytes } from "../src/core/hamming";
import { toHex, fromHex, uint64ToHex } from "../src/core/hex";
import { jaroszWindowSize, lumaFromRgb, PDQ_DIHEDRAL_NAMES, pdqDihedral, pdqFromLuma, type PdqDihedralName } from "../src/core/pdq";
import { phashFromGrey32 } from "../src/core/phash";
import { decodeImage, fingerprintImage } from "../src/imaging";

const DIR = join(__dirname, "fixtures/images/pdq");
const read = (f: string) => readFileSync(join(DIR, f));

interface ExpectedRow {
  implementation: string;
  fixture: string;
  hex: string;
  quality: number | undefined;
}
const expected: ExpectedRow[] = readFileSync(join(DIR, "expected.csv"), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => {
    const [implementation, fixture, hex, quality] = line.split(",");
    return { implementation, fixture, hex, quality: quality ? Number(quality) : undefined };
  });

async function lumaOf(bytes: Buffer) {
  const img = await decodeImage(bytes);
  return { luma: lumaFromRgb(img.rgb, img.rgbWidth, img.rgbHeight, 3), w: img.rgbWidth, h: img.rgbHeight };
}

// Meta's C++ hasher is the reference (its Java port agrees bit for bit); the Python and WASM ports differ from it by
// up to 10 bits on the same files (JPEG decoders, float order), so each fixture is held to its most canonical hash.
const CANONICAL_ORDER = ["cpp-pdq-photo-hasher", "java", "python-pure-tests", "python-pure", "python-threatexchange(pdqhash pkg)", "wasm"];

describe("PDQ against Meta's reference hashes", () => {
  const fixtures = [...new Set(expected.map((r) => r.fixture))];

  it.each(fixtures)("%s is within 10 bits of the reference (and 16 of every port)", async (fixture) => {
    const fp = await fingerprintImage(read(fixture));
    const rows = expected.filter((r) => r.fixture === fixture);
    const canonical = CANONICAL_ORDER.map((impl) => rows.find((r) => r.implementation === impl)).find(Boolean)!;
    expect(hammingBytes(fromHex(fp.pdq), fromHex(canonical.hex)), canonical.implementation).toBeLessThanOrEqual(10);
    for (const row of rows) {
      // 14 bits at most today: the Python port on dih/bridge-3 and dih/bridge-8, which is itself 10 bits from C++.
      expect(hammingBytes(fromHex(fp.pdq), fromHex(row.hex)), row.implementation).toBeLessThanOrEqual(16);
      if (row.quality !== undefined) expect(fp.pdqQuality).toBe(row.quality);
    }
  });

  it("prints lowercase 0x hex in the reference bit order (exact on a clean small image)", async () => {
    const fp = await fingerprintImage(read("bridge-mods/square-256x256.jpg"));
    expect(fp.pdq).toBe("0xd8f8f0cec4f4a84f0637022a078f67f0b36e2ee5b6621e1d33e6239c4e9c9b22");
  });

  it("gives a flat, featureless image quality 0", () => {
    const flat = new Float32Array(100 * 80).fill(128);
    expect(pdqFromLuma(flat, 100, 80).quality).toBe(0);
  });

  it("hashes images under 5 px on a side to zeros with quality 0, like the reference", () => {
    const r = pdqFromLuma(new Float32Array(4 * 100).fill(7), 4, 100);
    expect(r.quality).toBe(0);
    expect([...r.hash].every((b) => b === 0)).toBe(true);
  });

  it("leaves its input untouched and is deterministic", async () => {
    const { luma, w, h } = await lumaOf(read("labelme/q2821.jpg"));
    const copy = Float32Array.from(luma);
    const a = pdqFromLuma(luma, w, h);
    const b = pdqFromLuma(luma, w, h);
    expect(luma).toEqual(copy);
    expect(a.hash).toEqual(b.hash);
  });

  it("uses the reference Jarosz window sizes", () => {
    expect(jaroszWindowSize(1024, 64)).toBe(8);
    expect(jaroszWindowSize(1600, 64)).toBe(13);
    expect(jaroszWindowSize(64, 64)).toBe(1);
    expect(jaroszWindowSize(512, 64)).toBe(4);
  });
});

describe("PDQ dihedral variants", () => {
  const files: Record<PdqDihedralName, string> = {
    original: "dih/bridge-1-original.jpg",
    rot90: "dih/bridge-2-rotate-90.jpg",
    rot180: "dih/bridge-3-rotate-180.jpg",
    rot270: "dih/bridge-4-rotate-270.jpg",
    flipX: "dih/bridge-5-flipx.jpg",
    flipY: "dih/bridge-6-flipy.jpg",
    transpose: "dih/bridge-7-flip-plus-1.jpg",
    transverse: "dih/bridge-8-flip-minus-1.jpg",
  };

  it("derives from one DCT the hashes of the rotated and flipped files (≤ 2 bits; ≤ 10 to the C++ reference)", async () => {
    const { luma, w, h } = await lumaOf(read(files.original));
    const { hashes, quality } = pdqDihedral(luma, w, h);
    expect(quality).toBe(100);
    expect(hashes.original).toEqual(pdqFromLuma(luma, w, h).hash);
    for (const name of PDQ_DIHEDRAL_NAMES) {
      const fp = await fingerprintImage(read(files[name]));
      expect(hammingBytes(hashes[name], fromHex(fp.pdq)), name).toBeLessThanOrEqual(2);
      for (const row of expected.filter((r) => r.fixture === files[name] && r.implementation === "cpp-pdq-photo-hasher")) {
        expect(hammingBytes(hashes[name], fromHex(row.hex)), `${name} vs ${row.implementation}`).toBeLessThanOrEqual(10);
      }
      // …and the variants really differ from each other.
      if (name !== "original") expect(hammingBytes(hashes[name], hashes.original)).toBeGreaterThan(64);
    }
  });

  // EXIF orientation n: the upright image equals a dihedral transform of the stored pixels.
  // PDQ's rot90 is a quarter turn counter-clockwise (EXIF 8), rot270 clockwise (EXIF 6).
  const exif: Array<[number, PdqDihedralName, number, number]> = [
    [1, "original", 480, 360],
    [3, "rot180", 480, 360],
    [6, "rot270", 360, 480],
    [8, "rot90", 360, 480],
  ];
  it.each(exif)("honours EXIF orientation %i (stored pixels + %s = upright)", async (n, variant, width, height) => {
    const bytes = read(`exif-rotn/exif-rotn-${n}.jpg`);
    const fp = await fingerprintImage(bytes);
    expect([fp.width, fp.height]).toEqual([width, height]);
    // The stored pixels, not oriented (sharp does not auto-orient unless asked).
    const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const { hashes } = pdqDihedral(lumaFromRgb(data, info.width, info.height, 3), info.width, info.height);
    const upright = fromHex(fp.pdq);
    for (const name of PDQ_DIHEDRAL_NAMES) {
      const d = hammingBytes(hashes[name], upright);
      // These fixtures are small (480 px) so they hash at their own size, where PDQ's even Jarosz window (4) is not
      // centred: a derived variant is 8–12 bits off the directly hashed transform (0–2 once hashingSize applies).
      if (name === variant) expect(d, name).toBeLessThanOrEqual(16);
      else expect(d, name).toBeGreaterThan(80);
    }
  });
});

describe("PDQ across pixel modes", () => {
  it.each(["modes/L.png", "modes/P.png", "modes/RGBA.png"])("%s hashes like the RGB image it was made from", async (f) => {
    // The mode fixtures are 320-px conversions of dih/bridge-1-original.jpg; compare with the same resize in RGB.
    const rgb = await sharp(read("dih/bridge-1-original.jpg")).resize(320).png().toBuffer();
    const [a, b] = await Promise.all([fingerprintImage(rgb), fingerprintImage(read(f))]);
    expect(hammingBytes(fromHex(a.pdq), fromHex(b.pdq))).toBeLessThanOrEqual(10);
    expect(b.pdqQuality).toBe(100);
  });
});

describe("pHash (64-bit DCT)", () => {
  // A smooth pseudo-random 32×32 image (a few random cosines), deterministic.
  function smoothImage(seed: number): Float32Array {
    let state = seed;
    const rand = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
    const waves = Array.from({ length: 6 }, () => [rand() * 4, rand() * 4, rand() * 6.28, rand() * 60]);
    const grey = new Float32Array(1024);
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        let v = 128;
        for (const [fx, fy, phase, amp] of waves) v += amp * Math.cos((fx * x + fy * y) / 5 + phase);
        grey[y * 32 + x] = v;
      }
    }
    return grey;
  }

  it("is an unsigned 64-bit bigint, blind to brightness and contrast, sensitive to structure", () => {
    const grey = smoothImage(42);
    const h = phashFromGrey32(grey);
    expect(h).toBeGreaterThanOrEqual(0n);
    expect(h).toBeLessThan(1n << 64n);
    expect(phashFromGrey32(grey.map((v) => v * 0.8 + 30))).toBe(h);
    const mirrored = new Float32Array(1024);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) mirrored[y * 32 + x] = grey[y * 32 + 31 - x];
    expect(hamming64(phashFromGrey32(mirrored), h)).toBeGreaterThan(10);
    expect(hamming64(phashFromGrey32(smoothImage(7)), h)).toBeGreaterThan(16);
  });
});

describe("Hamming and hex helpers", () => {
  it("count differing bits", () => {
    expect(hammingBytes(new Uint8Array([0xff, 0x0f]), new Uint8Array([0x00, 0x0e]))).toBe(9);
    expect(hamming64(0n, (1n << 64n) - 1n)).toBe(64);
    expect(hamming64(-1n, (1n << 64n) - 1n)).toBe(0); // signed storage form reads the same
    expect(hamming64(0x8000000000000001n, 1n)).toBe(1);
  });
  it("round-trip lowercase 0x hex", () => {
    const bytes = new Uint8Array([0, 1, 0xab, 0xff]);
    expect(toHex(bytes)).toBe("0x0001abff");
    expect(fromHex("0x0001ABFF")).toEqual(Buffer.from(bytes));
    expect(uint64ToHex(0xabn)).toBe("0x00000000000000ab");
    expect(() => fromHex("0x123")).toThrow();
    expect(() => fromHex("0x1234", 3)).toThrow();
    expect(() => hammingBytes(new Uint8Array(2), new Uint8Array(3))).toThrow();
  });
});
