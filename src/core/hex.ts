/** Canonical hex in Imprint's formats: 0x-prefixed, lowercase, fixed width. */
export const HEX32 = /^0x[0-9a-f]{64}$/;
export const HEX20 = /^0x[0-9a-f]{40}$/;
export const HEX8 = /^0x[0-9a-f]{16}$/;

export function bufferToHex(bytes: Uint8Array): string {
  return "0x" + Buffer.from(bytes).toString("hex");
}

export function hexToBuffer(hex: string): Buffer {
  return Buffer.from(hex.startsWith("0x") ? hex.slice(2) : hex, "hex");
}

/** A uint64 as 16 lowercase hex digits with 0x, e.g. a pHash. */
export function uint64ToHex(value: bigint): string {
  return "0x" + BigInt.asUintN(64, value).toString(16).padStart(16, "0");
}
