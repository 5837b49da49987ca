import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";

/**
 * Compression for a large body that changes rarely (the verifier page: ~1 MB of script, a third of it compressed),
 * made once per content and kept. Only for bodies that hold no secret and echo no request: a page with a CSRF token
 * or the reader's input, compressed, leaks them to a BREACH-style observer, so the portal's pages are sent as they are.
 */
export type ContentCoding = "br" | "gzip" | "identity";

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/**
 * The coding to send, from an Accept-Encoding header (RFC 9110 §12.5.3): brotli, else gzip, else none; a coding
 * (or `*`) with q=0 is refused. No header: identity.
 */
export function preferredCoding(acceptEncoding: string | undefined): ContentCoding {
  if (!acceptEncoding) return "identity";
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    // A weight that is not a qvalue (0 to 1, three decimals) makes the coding unacceptable rather than preferred.
    const weight = q === undefined ? 1 : /^q=(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(q) ? Number(q.slice(2)) : 0;
    weights.set(name.trim(), weight);
  }
  const accepts = (coding: string) => (weights.get(coding) ?? weights.get("*") ?? 0) > 0;
  if (accepts("br")) return "br";
  if (accepts("gzip")) return "gzip";
  return "identity";
}

/** The buffer's bytes as the web's body type, once (a response would otherwise copy them on every request). */
const bytesOf = (b: Buffer) => new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.length);

/** A body's compressed forms, made on zlib's thread pool the first time a content is asked for; the last content is kept. */
export function compressedBodies() {
  let kept: { text: string; forms: Promise<Record<Exclude<ContentCoding, "identity">, Uint8Array<ArrayBuffer>>> } | undefined;
  return (text: string) => {
    if (kept?.text !== text) {
      const bytes = Buffer.from(text, "utf8");
      const forms = Promise.all([
        brotli(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
        gzipped(bytes, { level: 9 }),
      ]).then(([br, gz]) => ({ br: bytesOf(br), gzip: bytesOf(gz) }));
      kept = { text, forms };
      // A failed compression is not kept: the next request tries again.
      forms.catch(() => (kept?.forms === forms ? (kept = undefined) : undefined));
    }
    return kept.forms;
  };
}
