import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { eq, lt } from "drizzle-orm";
import { authenticate, authenticateKeyHash } from "./api-keys";
import type { Actor } from "./actor";
import { hashApiKey } from "./keys";
import type { Db } from "../db/client";
import { webSessions } from "../db/schema";

export const SESSION_COOKIE = "imprint_session";
/** A sign-in lasts this long, then the key must be given again. */
export const SESSION_TTL_MS = 12 * 3_600_000;

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

export interface Session {
  actor: Actor;
  csrfToken: string;
}

/** Signs in with an API key: a new session, or null when the key is unknown or revoked. */
export async function signIn(db: Db, apiKey: string, now = new Date()): Promise<{ sessionId: string; session: Session } | null> {
  const actor = await authenticate(db, apiKey);
  if (!actor) return null;
  const sessionId = randomBytes(32).toString("base64url");
  const csrfToken = randomBytes(24).toString("base64url");
  await db.insert(webSessions).values({
    idHash: sha256(sessionId),
    keyHash: hashApiKey(apiKey),
    keyPrefix: actor.keyPrefix,
    csrfToken,
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
  });
  return { sessionId, session: { actor, csrfToken } };
}

/** The live session of a cookie value: unexpired, and its key still valid (a revoked key ends it at once). */
export async function sessionOf(db: Db, sessionId: string, now = new Date()): Promise<Session | null> {
  const [row] = await db.select().from(webSessions).where(eq(webSessions.idHash, sha256(sessionId))).limit(1);
  if (!row || row.expiresAt <= now) return null;
  const actor = await authenticateKeyHash(db, row.keyHash, row.keyPrefix);
  return actor ? { actor, csrfToken: row.csrfToken } : null;
}

export async function signOut(db: Db, sessionId: string): Promise<void> {
  await db.delete(webSessions).where(eq(webSessions.idHash, sha256(sessionId)));
}

/** Drops expired sessions (the purge job). */
export async function purgeExpiredSessions(db: Db, now = new Date()): Promise<void> {
  await db.delete(webSessions).where(lt(webSessions.expiresAt, now));
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfMatches(session: Session, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(session.csrfToken);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
