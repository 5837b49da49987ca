import { and, eq, isNull, ne, sql } from "drizzle-orm";
import { ImprintError } from "../core/errors";
import type { Queryable } from "../db/client";
import { accounts, apiKeys, members } from "../db/schema";
import type { Role } from "./actor";

/**
 * Serialises changes to one organisation's members and keys (row lock on the organisation), so two concurrent
 * changes cannot each believe the other leaves an owner in place.
 */
export async function lockOrganisation(q: Queryable, accountId: string): Promise<void> {
  await q.execute(sql`select 1 from ${accounts} where ${accounts.id} = ${accountId} for update`);
}

/**
 * Refuses a change that would leave the organisation without a `keeper` (its owner; the platform's admin)
 * holding a working key: nobody could then manage its members and keys again. `except` is what the change takes
 * away: a member (demoted or removed) or one key (revoked).
 */
export async function keepAKeeper(q: Queryable, accountId: string, keeper: Role, except: { memberId: string } | { keyId: number }): Promise<void> {
  const [row] = await q
    .select({ n: sql<number>`count(*)::int` })
    .from(apiKeys)
    .innerJoin(members, eq(members.id, apiKeys.memberId))
    .where(
      and(
        eq(members.accountId, accountId),
        eq(members.role, keeper),
        isNull(members.removedAt),
        isNull(apiKeys.revokedAt),
        "memberId" in except ? ne(members.id, except.memberId) : ne(apiKeys.id, except.keyId),
      ),
    );
  if (row.n === 0) {
    throw new ImprintError("last_owner", `this would leave the organisation without an ${keeper} holding a working key; give another member that role (or a key) first`);
  }
}
