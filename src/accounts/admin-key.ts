import { and, eq, isNull, ne } from "drizzle-orm";
import type { Db } from "../db/client";
import { accounts, apiKeys, members } from "../db/schema";
import { PLATFORM_ACCOUNT_ID } from "./accounts";
import { hashApiKey, keyPrefixOf, newApiKey } from "./keys";
import { lockOrganisation } from "./organisation-guard";

/** The member who holds the bootstrap key: always an admin, so IMPRINT_ADMIN_KEY always lets the operator in. */
const BOOTSTRAP_MEMBER_ID = "mem_admin";

/**
 * Makes sure the operator can get in, with one bootstrap key. A configured IMPRINT_ADMIN_KEY becomes it and
 * revokes the previous bootstrap key (a rotated key stops working on the next start); a configured key that was
 * revoked through the API stops the start instead of coming back. Without a configured key, a key is generated on
 * the platform's first start only and returned so the caller can print it once. Keys created through the API stay.
 */
export async function ensureAdmin(db: Db, configuredKey: string | undefined): Promise<{ generatedKey?: string; revokedPrevious: number }> {
  return db.transaction(async (tx) => {
    await tx.insert(accounts).values({ id: PLATFORM_ACCOUNT_ID, name: "admin", role: "admin" }).onConflictDoNothing();
    await tx
      .insert(members)
      .values({ id: BOOTSTRAP_MEMBER_ID, accountId: PLATFORM_ACCOUNT_ID, name: "admin", role: "admin" })
      .onConflictDoUpdate({ target: members.id, set: { role: "admin", removedAt: null } });
    // Processes starting together take turns: one generates or rotates, the others see its result.
    await lockOrganisation(tx, PLATFORM_ACCOUNT_ID);

    let key = configuredKey;
    let generatedKey: string | undefined;
    if (!key) {
      // Only a platform that never had a bootstrap key gets one generated (and printed): unsetting the variable
      // later keeps the last configured key, and a revoked key is not replaced behind the operator's back.
      const [any] = await tx.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.bootstrap, true)).limit(1);
      if (any) return { revokedPrevious: 0 };
      key = generatedKey = newApiKey("adm");
    }

    const keyHash = hashApiKey(key);
    await tx
      .insert(apiKeys)
      .values({ accountId: PLATFORM_ACCOUNT_ID, memberId: BOOTSTRAP_MEMBER_ID, keyHash, prefix: keyPrefixOf(key), bootstrap: true })
      .onConflictDoNothing({ target: apiKeys.keyHash });
    const [row] = await tx.select({ memberId: apiKeys.memberId, revokedAt: apiKeys.revokedAt }).from(apiKeys).where(eq(apiKeys.keyHash, keyHash));
    if (row.memberId !== BOOTSTRAP_MEMBER_ID) throw new Error("IMPRINT_ADMIN_KEY is another member's API key; configure a new one");
    if (row.revokedAt) throw new Error("IMPRINT_ADMIN_KEY was revoked; configure a new one");
    await tx.update(apiKeys).set({ bootstrap: true }).where(eq(apiKeys.keyHash, keyHash));
    const revoked = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.bootstrap, true), isNull(apiKeys.revokedAt), ne(apiKeys.keyHash, keyHash)))
      .returning({ id: apiKeys.id });
    return { generatedKey, revokedPrevious: revoked.length };
  });
}
