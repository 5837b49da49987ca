import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";

/**
 * The client's address: the socket's peer, or, when the operator says a reverse proxy is in front
 * (TRUST_PROXY), the last X-Forwarded-For entry — the one that proxy appended. Earlier entries are whatever
 * the client claimed and are never trusted.
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const last = c.req.header("x-forwarded-for")?.split(",").map((s) => s.trim()).filter(Boolean).at(-1);
    if (last) return last;
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    // No socket: the app was called in-process (app.request in tests).
    return "unknown";
  }
}
