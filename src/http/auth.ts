import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { authenticate } from "../accounts/api-keys";
import type { Actor } from "../accounts/actor";
import { ImprintError } from "../core/errors";
import type { Db } from "../db/client";
import { csrfMatches, SESSION_COOKIE, sessionOf, type Session } from "../accounts/sessions";

export type AuthEnv = { Variables: { actor: Actor; session?: Session } };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
export const CSRF_HEADER = "x-csrf-token";

/**
 * Requires an API key (`Authorization: Bearer <key>`) or a portal session (its cookie), and sets the actor; what
 * the actor may do is the use cases' business. A request that changes state on a session's cookie must also carry
 * the session's CSRF token in a header, which another site's page cannot read or send.
 */
export function bearerAuth(db: Db) {
  return createMiddleware<AuthEnv>(async function bearerAuthMiddleware(c, next) {
    const header = c.req.header("authorization");
    if (header !== undefined || !getCookie(c, SESSION_COOKIE)) {
      const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
      if (!match) throw new ImprintError("unauthorized", "send an API key as 'Authorization: Bearer <key>'");
      const actor = await authenticate(db, match[1]);
      if (!actor) throw new ImprintError("unauthorized", "the API key is unknown or revoked");
      c.set("actor", actor);
    } else {
      const session = await requireSession(c, db);
      if (!SAFE_METHODS.has(c.req.method) && !csrfMatches(session, c.req.header(CSRF_HEADER))) {
        throw new ImprintError("forbidden", "this request needs the page's CSRF token");
      }
      c.set("actor", session.actor);
      c.set("session", session);
    }
    await next();
  });
}

/** The portal session of this request's cookie, or 401. */
export async function requireSession(c: Context, db: Db): Promise<Session> {
  const id = getCookie(c, SESSION_COOKIE);
  const session = id ? await sessionOf(db, id) : null;
  if (!session) throw new ImprintError("unauthorized", "sign in again: the session is unknown or has expired");
  return session;
}
