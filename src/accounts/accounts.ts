import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { accounts, apiKeys, meta } from "../db/schema";
import type { Actor } from "./actor";
import { hashApiKey, newApiKey, newId } from "./keys";

export type Role = "admin" | "seller";

export interface Account {
  id: string;
  name: string;
  role: Role;
}

export async function createAccount(db: Db, name: string, role: Role = "seller"): Promise<{ account: Account; apiKey: string }> {
  const account: Account = { id: newId("acc"), name, role };
  const apiKey = newApiKey();
  await db.transaction(async (tx) => {
    await tx.insert(accounts).values(account);
    await tx.insert(apiKeys).values({ accountId: account.id, keyHash: hashApiKey(apiKey) });
  });
  return { account, apiKey };
}

/**
 * Who a bearer key acts as, or null for an unknown or revoked key. Until organisations have members, an
 * account is its own organisation and its key the owner's.
 */
export async function authenticate(db: Db, apiKey: string): Promise<Actor | null> {
  return authenticateKeyHash(db, hashApiKey(apiKey), apiKey.slice(0, 12));
}

/** The same, from the stored hash of a key (a portal session keeps the hash, never the key). */
export async function authenticateKeyHash(db: Db, keyHash: string, keyPrefix: string): Promise<Actor | null> {
  const [row] = await db
    .select({ id: accounts.id, role: accounts.role })
    .from(apiKeys)
    .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!row) return null;
  return { organisationId: row.id, memberId: row.id, role: row.role === "admin" ? "admin" : "owner", keyPrefix };
}

const ADMIN_ACCOUNT_ID = "acc_admin";

/**
 * Makes sure an admin can get in. A configured key is (re)registered as the admin's; without one, a key is
 * generated on the first start only and returned so the caller can print it once.
 */
export async function ensureAdmin(db: Db, configuredKey: string | undefined): Promise<{ generatedKey?: string }> {
  await db.insert(accounts).values({ id: ADMIN_ACCOUNT_ID, name: "admin", role: "admin" }).onConflictDoNothing();
  if (configuredKey) {
    await db
      .insert(apiKeys)
      .values({ accountId: ADMIN_ACCOUNT_ID, keyHash: hashApiKey(configuredKey) })
      .onConflictDoNothing();
    return {};
  }
  const claimed = await db.insert(meta).values({ key: "admin_key_generated", value: new Date().toISOString() }).onConflictDoNothing().returning();
  if (claimed.length === 0) return {};
  const generatedKey = newApiKey();
  await db.insert(apiKeys).values({ accountId: ADMIN_ACCOUNT_ID, keyHash: hashApiKey(generatedKey) });
  return { generatedKey };
}

/** The display name of an account (an organisation's name on its certificates), or null when there is none. */
export async function accountName(db: Db, id: string): Promise<string | null> {
  const [row] = await db.select({ name: accounts.name }).from(accounts).where(eq(accounts.id, id)).limit(1);
  return row?.name ?? null;
}
