import { createHash, randomBytes } from "node:crypto";

/**
 * Which kind of key: `live` acts for a seller organisation, `adm` for the platform (admins, reviewers). The kind
 * is in the key's text so that a leaked key is recognised, and its gravity seen, without a database.
 */
export type KeyKind = "live" | "adm";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** 43 base-62 characters carry 256 bits (43 · log2 62 ≈ 256.03). */
const SECRET_CHARS = 43;
/** Secret characters shown after the kind in lists and the audit log (36 of 256 bits: nothing to guess with). */
const SHOWN_CHARS = 6;

/**
 * What a secret scanner can match: `imp_live_` or `imp_adm_` and 43 letters or digits, nothing else (no `-` or
 * `_` inside, so word boundaries hold). Documented in the README.
 */
export const API_KEY_PATTERN = /\bimp_(?:live|adm)_[0-9A-Za-z]{43}\b/;

/** A new key: `imp_<kind>_` and 256 random bits in base 62 (rejection sampling keeps every character uniform). */
export function newApiKey(kind: KeyKind): string {
  let secret = "";
  while (secret.length < SECRET_CHARS) {
    for (const byte of randomBytes(64)) {
      // 248 = 4 · 62: bytes above it would favour the first characters.
      if (byte < 248 && secret.length < SECRET_CHARS) secret += ALPHABET[byte % 62];
    }
  }
  return `imp_${kind}_${secret}`;
}

/**
 * The part of a key that may be shown: its kind and first secret characters (`imp_live_3fK9aZ`). Of a key of
 * another form (an older `imp_` key, a configured admin key) at most a seventh of the secret part is shown.
 */
export function keyPrefixOf(key: string): string {
  const kind = /^imp_(?:live_|adm_)?/.exec(key)?.[0] ?? "";
  return key.slice(0, kind.length + Math.min(SHOWN_CHARS, Math.floor((key.length - kind.length) / 7)));
}

/** Keys are stored only as SHA-256: they are random, so a slow hash adds nothing. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString("hex")}`;
}
