import { and, desc, eq, isNull } from "drizzle-orm";
import { ImprintError } from "../core/errors";
import type { Db, Queryable } from "../db/client";
import { accounts, apiKeys, members } from "../db/schema";
import type { Actor, Role } from "./actor";
import { hashApiKey, keyPrefixOf, newApiKey } from "./keys";
import { keepAKeeper, lockOrganisation } from "./organisation-guard";

/** `last_used_at` is written at most this often per key: a write per request would double the cost of auth. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** A key as listed: never the key itself. */
export interface KeyView {
  id: number;
  prefix: string | null;
  memberId: string;
  memberName: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface IssuedKey {
  id: number;
  prefix: string;
  memberId: string;
  memberName: string;
  createdAt: string;
  /** Shown once, in the answer that creates it. */
  apiKey: string;
}

/** A new key for a member: `imp_adm_…` on the platform, `imp_live_…` in a seller organisation. */
export async function issueKey(q: Queryable, member: { id: string; accountId: string; name: string }): Promise<IssuedKey> {
  const [account] = await q.select({ role: accounts.role }).from(accounts).where(eq(accounts.id, member.accountId));
  const apiKey = newApiKey(account?.role === "admin" ? "adm" : "live");
  const prefix = keyPrefixOf(apiKey);
  const [row] = await q
    .insert(apiKeys)
    .values({ accountId: member.accountId, memberId: member.id, keyHash: hashApiKey(apiKey), prefix })
    .returning({ id: apiKeys.id, createdAt: apiKeys.createdAt });
  return { id: row.id, prefix, memberId: member.id, memberName: member.name, createdAt: row.createdAt.toISOString(), apiKey };
}

const keyColumns = {
  id: apiKeys.id,
  prefix: apiKeys.prefix,
  memberId: apiKeys.memberId,
  memberName: members.name,
  role: members.role,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
};

function selectKeys(q: Queryable) {
  return q.select(keyColumns).from(apiKeys).innerJoin(members, eq(members.id, apiKeys.memberId));
}

function toKeyView(row: Awaited<ReturnType<typeof selectKeys>>[number]): KeyView {
  return {
    ...row,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/** The organisation's keys, revoked ones included, newest first. */
export async function listKeys(db: Db, accountId: string): Promise<KeyView[]> {
  const rows = await selectKeys(db).where(eq(apiKeys.accountId, accountId)).orderBy(desc(apiKeys.id));
  return rows.map(toKeyView);
}

/**
 * Revokes one of the organisation's keys (once: a second revocation answers the first's time). A key of another
 * organisation answers like a missing one. The last working key of the organisation's `keeper` stays.
 */
export async function revokeKey(db: Db, accountId: string, keyId: number, keeper: Role): Promise<KeyView> {
  return db.transaction(async (tx) => {
    await lockOrganisation(tx, accountId);
    const [key] = await selectKeys(tx).where(and(eq(apiKeys.id, keyId), eq(apiKeys.accountId, accountId)));
    if (!key) throw new ImprintError("not_found", `no key ${keyId}`);
    if (key.revokedAt === null) {
      if (key.role === keeper) await keepAKeeper(tx, accountId, keeper, { keyId });
      await tx.update(apiKeys).set({ revokedAt: new Date() }).where(and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)));
    }
    const [after] = await selectKeys(tx).where(eq(apiKeys.id, keyId));
    return toKeyView(after);
  });
}

/** Revokes every working key of a member (removal). */
export async function revokeMemberKeys(q: Queryable, memberId: string, at: Date): Promise<void> {
  await q.update(apiKeys).set({ revokedAt: at }).where(and(eq(apiKeys.memberId, memberId), isNull(apiKeys.revokedAt)));
}

/**
 * Who a bearer key acts as, or null for an unknown or revoked key, or one of a removed member: nothing is cached,
 * so a revocation holds from the next request on. Records when the key was last used (at most once a minute),
 * and learns the prefix of a key issued before prefixes were stored.
 */
export async function authenticate(db: Db, apiKey: string, now = new Date()): Promise<Actor | null> {
  return authenticateKeyHash(db, hashApiKey(apiKey), keyPrefixOf(apiKey), now);
}

/** The same, from the stored hash of a key (a portal session keeps the hash, never the key) and its prefix. */
export async function authenticateKeyHash(db: Db, keyHash: string, keyPrefix: string, now = new Date()): Promise<Actor | null> {
  const [row] = await db
    .select({ keyId: apiKeys.id, prefix: apiKeys.prefix, lastUsedAt: apiKeys.lastUsedAt, accountId: members.accountId, memberId: members.id, role: members.role })
    .from(apiKeys)
    .innerJoin(members, eq(members.id, apiKeys.memberId))
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt), isNull(members.removedAt)))
    .limit(1);
  if (!row) return null;
  const prefix = row.prefix ?? keyPrefix;
  if (row.prefix === null || !row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await db.update(apiKeys).set({ lastUsedAt: now, prefix }).where(eq(apiKeys.id, row.keyId));
  }
  return { organisationId: row.accountId, memberId: row.memberId, role: row.role, keyPrefix: prefix };
}
