import type { Context } from "hono";

/** Absolute URL of an API path: PUBLIC_BASE_URL when set (behind a proxy), else the request's own origin. */
export function absoluteUrl(c: Context, base: string | undefined, path: string): string {
  return baseUrl(c, base).replace(/\/+$/, "") + path;
}

/** PUBLIC_BASE_URL when set, else the request's own origin. */
export function baseUrl(c: Context, base: string | undefined): string {
  return base ?? new URL(c.req.url).origin;
}
