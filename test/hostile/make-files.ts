/**
 * Writes the small hostile files of the corpus to test/fixtures/hostile/ (committed; rerun with
 * `npx tsx test/hostile/make-files.ts` to rebuild them). Large ones are made at test time (large-files.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { deflateSync } from "node:zlib";
import sharp from "sharp";
import { pngChunk } from "./large-files";

const out = path.join(__dirname, "../fixtures/hostile");
const photo = readFileSync(path.join(__dirname, "../fixtures/images/photos/building.jpg"));

/** Offset of a JPEG marker (FF xx) after the SOI. */
function markerAt(jpeg: Buffer, marker: number): number {
  for (let i = 2; i < jpeg.length - 1; ) {
    if (jpeg[i] !== 0xff) throw new Error("not at a marker");
    if (jpeg[i + 1] === marker) return i;
    i += 2 + jpeg.readUInt16BE(i + 2);
  }
  throw new Error(`no marker ${marker.toString(16)}`);
}

/** A JPEG whose SOF0 claims another size than its data holds. */
function withClaimedSize(jpeg: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(jpeg);
  const sof = markerAt(copy, 0xc0);
  copy.writeUInt16BE(height, sof + 5);
  copy.writeUInt16BE(width, sof + 7);
  return copy;
}

/** A PNG from raw chunks: IHDR of the given size and depth, one IDAT of `idat`. */
function png(width: number, height: number, idat: Buffer, { depth = 8, colour = 2 } = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colour;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", idat),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

async function main() {
  mkdirSync(out, { recursive: true });
  const files: Record<string, Buffer> = {};
  const jpeg1200 = await sharp(photo).resize(1200, 799, { fit: "fill" }).jpeg({ quality: 80 }).toBuffer();
  const smallPng = await sharp(photo).resize(320, 213).png().toBuffer();
  const smallWebp = await sharp(photo).resize(700, 466).webp().toBuffer();

  files["empty.jpg"] = Buffer.alloc(0);
  files["one-byte.jpg"] = Buffer.from([0xff]);
  files["jpeg-soi-only.jpg"] = Buffer.from([0xff, 0xd8]);
  files["jpeg-header-only.jpg"] = jpeg1200.subarray(0, markerAt(jpeg1200, 0xda));
  files["jpeg-truncated-200b.jpg"] = jpeg1200.subarray(0, 200);
  files["jpeg-zero-width.jpg"] = withClaimedSize(jpeg1200, 0, 799);
  files["jpeg-65535-square.jpg"] = withClaimedSize(jpeg1200, 65535, 65535);
  files["jpeg-sof-garbage.jpg"] = (() => {
    const copy = Buffer.from(jpeg1200);
    copy.fill(0xee, markerAt(copy, 0xc0) + 4, markerAt(copy, 0xc0) + 19);
    return copy;
  })();
  files["png-signature-only.png"] = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  files["png-truncated-ihdr.png"] = smallPng.subarray(0, 20);
  files["png-truncated-idat.png"] = smallPng.subarray(0, Math.floor(smallPng.length / 3));
  files["png-bad-crc.png"] = (() => {
    const copy = Buffer.from(smallPng);
    copy.writeUInt32BE(0xdeadbeef, 8 + 8 + 13); // IHDR's CRC
    return copy;
  })();
  files["png-100000-square.png"] = png(100_000, 100_000, deflateSync(Buffer.alloc(1024)));
  files["png-idat-not-zlib.png"] = png(700, 700, Buffer.from("this is not a zlib stream at all".repeat(10)));
  files["png-bad-depth.png"] = png(700, 700, deflateSync(Buffer.alloc(700 * 701)), { depth: 7 });
  files["png-palette-without-plte.png"] = png(700, 700, deflateSync(Buffer.alloc(700 * 701)), { colour: 3 });
  files["webp-riff-only.webp"] = Buffer.from("RIFF\x10\x00\x00\x00WEBP", "latin1");
  files["webp-truncated.webp"] = smallWebp.subarray(0, Math.floor(smallWebp.length / 4));
  files["webp-vp8x-16383-square.webp"] = (() => {
    const vp8x = Buffer.alloc(10);
    vp8x.writeUIntLE(16382, 4, 3);
    vp8x.writeUIntLE(16382, 7, 3);
    const chunk = Buffer.concat([Buffer.from("VP8X"), Buffer.from([10, 0, 0, 0]), vp8x]);
    const size = Buffer.alloc(4);
    size.writeUInt32LE(4 + chunk.length);
    return Buffer.concat([Buffer.from("RIFF"), size, Buffer.from("WEBP"), chunk]);
  })();
  files["gif.gif"] = await sharp(photo).resize(320, 213).gif().toBuffer();
  files["tiff.tif"] = await sharp(photo).resize(700, 466).tiff().toBuffer();
  files["avif.avif"] = await sharp(photo).resize(700, 466).avif({ quality: 30, effort: 0 }).toBuffer();
  files["svg.svg"] = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800"><rect width="800" height="800" fill="red"/></svg>');
  files["svg-xxe.svg"] = Buffer.from(
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg" width="800" height="800"><text y="20">&x;</text></svg>',
  );
  files["svg-billion-laughs.svg"] = Buffer.from(
    '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]><svg xmlns="http://www.w3.org/2000/svg" width="800" height="800"><text>&e;&e;&e;&e;&e;&e;&e;&e;</text></svg>',
  );
  files["bmp.bmp"] = (() => {
    const w = 64, h = 64, row = w * 3, size = 54 + row * h;
    const b = Buffer.alloc(size);
    b.write("BM", 0, "ascii");
    b.writeUInt32LE(size, 2);
    b.writeUInt32LE(54, 10);
    b.writeUInt32LE(40, 14);
    b.writeInt32LE(w, 18);
    b.writeInt32LE(h, 22);
    b.writeUInt16LE(1, 26);
    b.writeUInt16LE(24, 28);
    return b;
  })();
  files["pdf.pdf"] = Buffer.from("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
  files["html.jpg"] = Buffer.from("<!doctype html><html><body><script>alert(1)</script></body></html>");
  files["zip.jpg"] = Buffer.concat([Buffer.from("PK\x03\x04", "latin1"), Buffer.alloc(200, 0x41)]);
  files["random-bytes.jpg"] = Buffer.from(Array.from({ length: 16_384 }, (_, i) => (i * 2654435761) >>> 24));
  files["polyglot-pdf-then-jpeg.jpg"] = Buffer.concat([Buffer.from("%PDF-1.4\n%"), jpeg1200]);
  files["polyglot-html-then-png.png"] = Buffer.concat([Buffer.from("<html><script>alert(1)</script><!--"), smallPng]);
  files["polyglot-jpeg-soi-then-script.jpg"] = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xfe, 0x00, 0x40]), Buffer.from("<script>alert(document.domain)</script>".padEnd(62, " ")), Buffer.from([0xff, 0xd9])]);
  files["polyglot-png-signature-then-gif.png"] = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), files["gif.gif"]]);
  files["tiny-1x1.png"] = await sharp({ create: { width: 1, height: 1, channels: 3, background: "#808080" } }).png().toBuffer();
  files["small-64x64.jpg"] = await sharp(photo).resize(64, 64).jpeg().toBuffer();
  // Depends on strict decoding (src/imaging, the matcher's work): see the separate block in hostile-input.test.ts.
  files["jpeg-claims-6000x6600-over-1200x799.jpg"] = withClaimedSize(jpeg1200, 6000, 6600);
  files["jpeg-truncated-half.jpg"] = jpeg1200.subarray(0, Math.floor(jpeg1200.length / 2));
  files["jpeg-corrupt-scan.jpg"] = (() => {
    const copy = Buffer.from(jpeg1200);
    const sos = markerAt(copy, 0xda);
    for (let i = sos + 200; i < copy.length - 2; i += 97) copy[i] = 0xff;
    return copy;
  })();

  for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(out, name), bytes);
  console.log(`${Object.keys(files).length} files in ${out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
