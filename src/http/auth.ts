import { createMiddleware } from "hono/factory";
import { authenticate, type Account } from "../accounts/accounts";
import { ImprintError } from "../core/errors";
import type { Db } from "../db/client";

export type AuthEnv = { Variables: { account: Account } };

/** Requires `Authorization: Bearer <key>`; with `role: "admin"` only the admin gets through. */
export function bearerAuth(db: Db, { role }: { role?: "admin" } = {}) {
  return createMiddleware<AuthEnv>(async function bearerAuthMiddleware(c, next) {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new ImprintError("unauthorized", "send an API key as 'Authorization: Bearer <key>'");
    const account = await authenticate(db, match[1]);
    if (!account) throw new ImprintError("unauthorized", "the API key is unknown or revoked");
    if (role === "admin" && account.role !== "admin") {
      throw new ImprintError("forbidden", "this operation needs the admin key");
    }
    c.set("account", account);
    await next();
  });
}
