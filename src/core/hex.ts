import { validate } from "./errors";

/** Canonical hex in Imprint's formats: 0x-prefixed, lowercase, fixed width. */
export const HEX32 = /^0x[0-9a-f]{64}$/;
export const HEX20 = /^0x[0-9a-f]{40}$/;
export const HEX8 = /^0x[0-9a-f]{16}$/;

/** Bytes → "0x" + lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return "0x" + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** "0x…" or bare hex (either case) → bytes; refuses odd lengths and non-hex, optionally checks the length. */
export function fromHex(hex: string, expectedLength?: number): Buffer {
  const body = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  validate(body.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(body), "invalid_hex", "expected an even number of hex digits");
  if (expectedLength !== undefined) {
    validate(body.length === expectedLength * 2, "invalid_hex", `expected ${expectedLength} bytes of hex`);
  }
  return Buffer.from(body, "hex");
}

/** A uint64 (signed or unsigned bigint: the low 64 bits) as "0x" + 16 lowercase hex digits, e.g. a pHash. */
export function uint64ToHex(value: bigint): string {
  return "0x" + BigInt.asUintN(64, value).toString(16).padStart(16, "0");
}
