import { createHash, randomBytes } from "node:crypto";

/** API keys carry a recognisable prefix (for secret scanners) and 32 random bytes. */
export function newApiKey(): string {
  return "imp_" + randomBytes(32).toString("base64url");
}

/** Keys are stored only as SHA-256: they are random, so a slow hash adds nothing. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString("hex")}`;
}
