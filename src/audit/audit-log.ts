import { and, desc, eq, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { apiKeys, auditLog, members } from "../db/schema";

/** What one state-changing request did, as recorded. */
export interface AuditEntry {
  accountId: string;
  memberId: string;
  keyPrefix: string;
  /** Method and route pattern, e.g. `DELETE /v1/members/:id`. */
  action: string;
  target: string | null;
  status: number;
  errorCode: string | null;
}

export interface AuditView {
  id: string;
  at: string;
  memberId: string;
  /** The member's name as it is now (a removed member keeps theirs). */
  memberName: string;
  keyPrefix: string;
  action: string;
  target: string | null;
  /** When the target is an API key: its prefix, which is how its owner knows it (the target is its row id). */
  targetKeyPrefix?: string;
  outcome: { status: number; code?: string };
}

/** The actions whose target is an API key's id (creating one records the id the answer gave). */
const KEY_ACTIONS = ["POST /v1/keys", "DELETE /v1/keys/:id"];

/** Appends one entry. There is deliberately no update or delete here (and the database refuses both). */
export async function appendAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values(entry);
}

/** The cursor is the last entry's id: ids only grow, so pages stay stable while entries are appended. */
export function encodeAuditCursor(id: number): string {
  return Buffer.from(String(id)).toString("base64url");
}

export function decodeAuditCursor(cursor: string): number | null {
  const m = /^[1-9]\d{0,15}$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  return m ? Number(m[0]) : null;
}

/** The organisation's entries, newest first. */
export async function listAudit(db: Db, accountId: string, limit: number, beforeId: number | null): Promise<{ items: AuditView[]; nextCursor: string | null }> {
  const rows = await db
    .select({ entry: auditLog, memberName: members.name, targetKeyPrefix: apiKeys.prefix })
    .from(auditLog)
    .innerJoin(members, eq(members.id, auditLog.memberId))
    // Only the organisation's own keys: a refused request may name any id.
    .leftJoin(
      apiKeys,
      and(inArray(auditLog.action, KEY_ACTIONS), eq(apiKeys.accountId, auditLog.accountId), sql`${apiKeys.id}::text = ${auditLog.target}`),
    )
    .where(and(eq(auditLog.accountId, accountId), beforeId === null ? undefined : lt(auditLog.id, beforeId)))
    .orderBy(desc(auditLog.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit).map(({ entry: r, memberName, targetKeyPrefix }) => ({
    id: String(r.id),
    at: r.at.toISOString(),
    memberId: r.memberId,
    memberName,
    keyPrefix: r.keyPrefix,
    action: r.action,
    target: r.target,
    ...(targetKeyPrefix ? { targetKeyPrefix } : {}),
    outcome: r.errorCode === null ? { status: r.status } : { status: r.status, code: r.errorCode },
  }));
  const last = rows[limit - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeAuditCursor(last.entry.id) : null };
}
