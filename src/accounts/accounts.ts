import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { accounts, members } from "../db/schema";
import { issueKey } from "./api-keys";
import { newId } from "./keys";

/** The operator's own organisation: its members are the admins and reviewers. */
export const PLATFORM_ACCOUNT_ID = "acc_admin";

export interface Account {
  id: string;
  name: string;
}

/**
 * Creates a seller organisation with its owner, who gets the first key. The account id is what the leaves of its
 * registrations commit to (`owner = keccak256(utf8(accountId))`), so it never changes.
 */
export async function createAccount(db: Db, name: string): Promise<{ account: Account; ownerId: string; apiKey: string }> {
  const account: Account = { id: newId("acc"), name };
  return db.transaction(async (tx) => {
    await tx.insert(accounts).values({ ...account, role: "seller" });
    const [owner] = await tx.insert(members).values({ id: newId("mem"), accountId: account.id, name: "owner", role: "owner" }).returning();
    const { apiKey } = await issueKey(tx, owner);
    return { account, ownerId: owner.id, apiKey };
  });
}

/** The display name of an account (an organisation's name on its certificates), or null when there is none. */
export async function accountName(db: Db, id: string): Promise<string | null> {
  const [row] = await db.select({ name: accounts.name }).from(accounts).where(eq(accounts.id, id)).limit(1);
  return row?.name ?? null;
}
