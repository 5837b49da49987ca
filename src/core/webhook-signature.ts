import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

/**
 * The `Imprint-Signature` header of a webhook delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`.
 * Signing the time with the body lets a receiver refuse replays of old deliveries (compare t with its clock).
 */
export function webhookSignature(secret: string, body: string, unixSeconds: number): string {
  const t = Math.floor(unixSeconds);
  const mac = hmac(sha256, Buffer.from(secret, "utf8"), Buffer.from(`${t}.${body}`, "utf8"));
  return `t=${t},v1=${Buffer.from(mac).toString("hex")}`;
}
