import { createHash } from "node:crypto";
import { createMiddleware } from "hono/factory";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { Config } from "../config";
import { ImprintError } from "../core/errors";
import { clientAddress } from "./client-address";

export type RateLimitSettings = Pick<
  Config,
  "RATE_LIMIT_KEY_PER_MIN" | "RATE_LIMIT_IP_PER_MIN" | "RATE_LIMIT_VERIFY_PER_MIN" | "RATE_LIMIT_AUTH_FAILURES_PER_MIN" | "TRUST_PROXY"
>;

const perMinute = (points: number, keyPrefix: string) => new RateLimiterMemory({ points, duration: 60, keyPrefix });

/**
 * Request budgets, in this process's memory: per API key for keyed requests, per client address for the rest,
 * a smaller one for verification (it may decode an image), and one for refused keys. An address past its
 * refused-key budget is refused before its key is even looked up, so guessing keys gets 429s, not answers.
 */
export function rateLimits(settings: RateLimitSettings) {
  const perKey = perMinute(settings.RATE_LIMIT_KEY_PER_MIN, "key");
  const perAddress = perMinute(settings.RATE_LIMIT_IP_PER_MIN, "ip");
  const verifications = perMinute(settings.RATE_LIMIT_VERIFY_PER_MIN, "verify");
  const refusedKeys = perMinute(settings.RATE_LIMIT_AUTH_FAILURES_PER_MIN, "auth-failure");

  return createMiddleware(async function rateLimitMiddleware(c, next) {
    const address = clientAddress(c, settings.TRUST_PROXY);
    const key = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
    if (key) {
      const refused = await refusedKeys.get(address);
      if (refused && refused.consumedPoints >= settings.RATE_LIMIT_AUTH_FAILURES_PER_MIN) throw tooMany(refused, "too many refused API keys from this address");
      // Keys are counted by their hash: the limiter's memory never holds one.
      await take(perKey, createHash("sha256").update(key).digest("hex"), "too many requests for this API key");
    } else {
      await take(perAddress, address, "too many requests from this address");
      if (c.req.path === "/v1/verify") await take(verifications, address, "too many verifications from this address");
    }
    await next();
    if (key && c.res.status === 401) await refusedKeys.consume(address).catch(() => undefined);
  });
}

async function take(limiter: RateLimiterMemory, key: string, message: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw tooMany(rejection, message);
    throw rejection;
  }
}

function tooMany(res: RateLimiterRes, message: string): ImprintError {
  const retryAfterS = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new ImprintError("rate_limited", `${message}; retry in ${retryAfterS} s`, { retryAfterS });
}
