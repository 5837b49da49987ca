import type { Context } from "hono";

/** Absolute URL of an API path: PUBLIC_BASE_URL when set (behind a proxy), else the request's own origin. */
export function absoluteUrl(c: Context, base: string | undefined, path: string): string {
  const origin = base ?? new URL(c.req.url).origin;
  return origin.replace(/\/+$/, "") + path;
}
