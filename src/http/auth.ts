import { createMiddleware } from "hono/factory";
import { authenticate } from "../accounts/api-keys";
import { ImprintError } from "../core/errors";
import type { Db } from "../db/client";
import type { Actor } from "../accounts/actor";

export type AuthEnv = { Variables: { actor: Actor } };

/** Requires `Authorization: Bearer <key>` and sets the actor; what the actor may do is the use cases' business. */
export function bearerAuth(db: Db) {
  return createMiddleware<AuthEnv>(async function bearerAuthMiddleware(c, next) {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new ImprintError("unauthorized", "send an API key as 'Authorization: Bearer <key>'");
    const actor = await authenticate(db, match[1]);
    if (!actor) throw new ImprintError("unauthorized", "the API key is unknown or revoked");
    c.set("actor", actor);
    await next();
  });
}
