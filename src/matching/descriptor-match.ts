/**
 * Ratio-test matching of two sets of 256-bit descriptors, the inner loop of geometric verification (n × m
 * Hamming distances per candidate). The native addon uses the CPU's popcount where it was built; otherwise
 * WebAssembly SIMD popcounts 16 bytes at a time, four candidates per step (source: descriptor-match.wat). Both give
 * the same pairs (a test holds them to it); timings in the README, "How it works".
 */
import { WASM_BASE64 } from "./descriptor-match-wasm";
import { nativeAddon } from "./native-addon";

const DESCRIPTOR_BYTES = 32;
const PAGE = 65_536;

/** The part of the WebAssembly JS API used here: TypeScript's ES2022 lib has no WebAssembly types ("dom" has them, with much else). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

const instance = new Instance(new Module(Buffer.from(WASM_BASE64, "base64")));
const memory = instance.exports.memory as { buffer: ArrayBuffer; grow(pages: number): number };
const match = instance.exports.match as (q: number, nq: number, o: number, no: number, out: number, maxDistance: number, ratio: number) => number;

/**
 * For each query descriptor, its nearest original descriptor when within `maxDistance` bits and nearer than
 * `ratio` × the second nearest: (query index, original index) pairs.
 */
export function ratioTestMatches(query: Uint8Array, original: Uint8Array, maxDistance: number, ratio: number): Int32Array {
  const native = nativeAddon();
  return native ? native.match(query, original, maxDistance, ratio) : wasmRatioTestMatches(query, original, maxDistance, ratio);
}

/** ratioTestMatches in WebAssembly, whether or not the native addon is built (the tests compare the two). */
export function wasmRatioTestMatches(query: Uint8Array, original: Uint8Array, maxDistance: number, ratio: number): Int32Array {
  const nq = Math.floor(query.length / DESCRIPTOR_BYTES), no = Math.floor(original.length / DESCRIPTOR_BYTES);
  // Layout: query | original | 3 descriptors the kernel may read past the end (4 at a time) | output pairs.
  const at = nq * DESCRIPTOR_BYTES, out = at + (no + 3) * DESCRIPTOR_BYTES, end = out + nq * 8;
  if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
  const bytes = new Uint8Array(memory.buffer);
  bytes.set(query.subarray(0, at), 0);
  bytes.set(original.subarray(0, no * DESCRIPTOR_BYTES), at);
  const pairs = match(0, nq, at, no, out, maxDistance, ratio);
  return new Int32Array(memory.buffer, out, 2 * pairs).slice();
}
