import { and, desc, eq, lt } from "drizzle-orm";
import type { Db } from "../db/client";
import { auditLog, members } from "../db/schema";

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
  outcome: { status: number; code?: string };
}

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
    .select({ entry: auditLog, memberName: members.name })
    .from(auditLog)
    .innerJoin(members, eq(members.id, auditLog.memberId))
    .where(and(eq(auditLog.accountId, accountId), beforeId === null ? undefined : lt(auditLog.id, beforeId)))
    .orderBy(desc(auditLog.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit).map(({ entry: r, memberName }) => ({
    id: String(r.id),
    at: r.at.toISOString(),
    memberId: r.memberId,
    memberName,
    keyPrefix: r.keyPrefix,
    action: r.action,
    target: r.target,
    outcome: r.errorCode === null ? { status: r.status } : { status: r.status, code: r.errorCode },
  }));
  const last = rows[limit - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeAuditCursor(last.entry.id) : null };
}
