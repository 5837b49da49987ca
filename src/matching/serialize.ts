/**
 * Compact, versioned binary form of ImageFeatures (stored as bytea by the database).
 *
 * Layout (little-endian), format "IMF" version 1:
 *   0  "IMF" + version byte (1)
 *   4  u16 width, u16 height (working image, longest side 512)
 *   8  u16 n (keypoints)
 *  10  u16 reserved (0)
 *  12  n × (u16 x·16, u16 y·16)     keypoint positions in 1/16 px
 *  12+4n  n × 32 bytes              ORB descriptors, same order
 * 500 keypoints (what the matcher keeps) → 18 012 bytes. Mirrored features and the PDQ hash are never
 * serialised here (the PDQ is stored with the fingerprint).
 */
import { ImprintError } from "../core/errors";
import { DESCRIPTOR_BYTES, keypointCount, type ImageFeatures } from "./features";

const MAGIC = [0x49, 0x4d, 0x46]; // "IMF"
export const FEATURES_FORMAT_VERSION = 1;
const HEADER = 12;
const SUBPIXEL = 16;

export function serializeFeatures(f: ImageFeatures): Buffer {
  const n = keypointCount(f);
  if (n > 0xffff || f.width > 0xffff || f.height > 0xffff) throw new Error("invariant violated: features too large to serialise");
  const buf = Buffer.alloc(HEADER + n * (4 + DESCRIPTOR_BYTES));
  buf.set(MAGIC, 0);
  buf[3] = FEATURES_FORMAT_VERSION;
  buf.writeUInt16LE(f.width, 4);
  buf.writeUInt16LE(f.height, 6);
  buf.writeUInt16LE(n, 8);
  for (let i = 0; i < n; i++) {
    buf.writeUInt16LE(quantise(f.keypoints[2 * i]), HEADER + 4 * i);
    buf.writeUInt16LE(quantise(f.keypoints[2 * i + 1]), HEADER + 4 * i + 2);
  }
  buf.set(f.descriptors.subarray(0, n * DESCRIPTOR_BYTES), HEADER + 4 * n);
  return buf;
}

function quantise(v: number): number {
  return Math.min(0xffff, Math.max(0, Math.round(v * SUBPIXEL)));
}

export function deserializeFeatures(buf: Uint8Array): ImageFeatures {
  const bad = (why: string) => new ImprintError("features_corrupt", `Stored image features are unreadable: ${why}.`);
  if (buf.length < HEADER || buf[0] !== MAGIC[0] || buf[1] !== MAGIC[1] || buf[2] !== MAGIC[2]) throw bad("not an IMF record");
  if (buf[3] !== FEATURES_FORMAT_VERSION) throw bad(`unsupported version ${buf[3]}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const width = view.getUint16(4, true), height = view.getUint16(6, true), n = view.getUint16(8, true);
  if (buf.length !== HEADER + n * (4 + DESCRIPTOR_BYTES)) throw bad("length does not match the keypoint count");
  if (width === 0 || height === 0) throw bad("empty image size");
  const keypoints = new Float32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) keypoints[i] = view.getUint16(HEADER + 2 * i, true) / SUBPIXEL;
  const descriptors = new Uint8Array(buf.subarray(HEADER + 4 * n, HEADER + 4 * n + n * DESCRIPTOR_BYTES));
  return { width, height, keypoints, descriptors };
}

/** The first `n` descriptors of a serialised record (strongest first): what the in-memory index keeps. */
export function leadingDescriptors(buf: Uint8Array, n: number): Buffer {
  const f = deserializeFeatures(buf);
  const k = Math.min(n, keypointCount(f));
  return Buffer.from(f.descriptors.subarray(0, k * DESCRIPTOR_BYTES));
}
