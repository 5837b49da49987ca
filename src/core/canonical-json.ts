/**
 * The JSON Canonicalization Scheme (RFC 8785, "JCS"): one byte sequence per JSON value, so a hash of it is a hash
 * of the value. Objects' keys are sorted by their UTF-16 code units, there is no whitespace, strings are escaped
 * as ECMAScript's JSON.stringify escapes them and numbers are written as ECMAScript's Number.prototype.toString
 * writes them (which is what JSON.stringify does). Values JSON cannot carry refuse: non-finite numbers,
 * undefined, functions, bigints, and strings with lone surrogates (I-JSON, RFC 7493).
 */
/** In a `u` regex a surrogate pair is one code point, so this matches only unpaired halves. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("canonical JSON has no NaN or Infinity");
    return JSON.stringify(value);
  }
  if (typeof value === "string") {
    if (LONE_SURROGATE.test(value)) throw new TypeError("canonical JSON strings are well-formed UTF-16 (no lone surrogates)");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    // Default string comparison orders by UTF-16 code units, as RFC 8785 § 3.2.3 requires.
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${canonicalJson(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}
