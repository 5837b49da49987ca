/** The large hostile inputs of the corpus, made at test time rather than committed. */
import { createDeflate } from "node:zlib";

/** More bytes than MAX_UPLOAD_BYTES allows (random, so nothing compresses them on the way). */
export function oversized(maxBytes: number): Buffer {
  const bytes = Buffer.alloc(maxBytes + 1);
  for (let i = 0; i + 4 <= bytes.length; i += 4) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
  bytes[0] = 0xff;
  bytes[1] = 0xd8;
  return bytes;
}

function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A PNG chunk: length, type, data, CRC-32 of type and data. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/**
 * A flat 16-bit RGB PNG of side × side (the 6300², ~300 KB): under the pixel limit, so only bounded
 * decode work keeps it from costing seconds of CPU. Compressed row by row: the raw pixels would take 238 MB.
 */
export async function flatPng16(side: number): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 16;
  ihdr[9] = 2;
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on("data", (b: Buffer) => parts.push(b));
  const done = new Promise((resolve) => deflate.on("end", resolve));
  const row = Buffer.alloc(1 + side * 6, 0x80);
  row[0] = 0;
  for (let y = 0; y < side; y++) if (!deflate.write(row)) await new Promise((resolve) => deflate.once("drain", resolve));
  deflate.end();
  await done;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", Buffer.concat(parts)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** JSON nested `depth` arrays deep: cheap to send, costly to parse when large. */
export const nestedJson = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

/** A JSON object of many small members, `bytes` long. */
export function wideJson(bytes: number): string {
  const member = '"k0000000":[0,0,0,0],';
  return "{" + member.repeat(Math.floor(bytes / member.length)).slice(0, -1) + "}";
}
