import { and, asc, eq, isNull } from "drizzle-orm";
import { ImprintError } from "../core/errors";
import type { Db, Queryable } from "../db/client";
import { members } from "../db/schema";
import type { Role } from "./actor";
import { issueKey, revokeMemberKeys } from "./api-keys";
import { newId } from "./keys";
import { keepAKeeper, lockOrganisation } from "./organisation-guard";

export interface MemberView {
  memberId: string;
  name: string;
  role: Role;
  createdAt: string;
  /** Set once the member is removed (their keys are revoked); members are never deleted. */
  removedAt: string | null;
}

function toMemberView(row: typeof members.$inferSelect): MemberView {
  return {
    memberId: row.id,
    name: row.name,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    removedAt: row.removedAt?.toISOString() ?? null,
  };
}

/** Adds a member with a first key (shown only in this answer). */
export async function addMember(db: Db, accountId: string, name: string, role: Role): Promise<{ member: MemberView; apiKey: string }> {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(members).values({ id: newId("mem"), accountId, name, role }).returning();
    const { apiKey } = await issueKey(tx, row);
    return { member: toMemberView(row), apiKey };
  });
}

/** The organisation's members, removed ones included, oldest first. */
export async function listMembers(db: Db, accountId: string): Promise<MemberView[]> {
  const rows = await db.select().from(members).where(eq(members.accountId, accountId)).orderBy(asc(members.createdAt), asc(members.id));
  return rows.map(toMemberView);
}

/** An active member of the organisation, or `not_found` (another organisation's answers alike). */
export async function activeMember(q: Queryable, accountId: string, memberId: string): Promise<typeof members.$inferSelect> {
  const [row] = await q
    .select()
    .from(members)
    .where(and(eq(members.id, memberId), eq(members.accountId, accountId), isNull(members.removedAt)));
  if (!row) throw new ImprintError("not_found", `no member ${memberId}`);
  return row;
}

/** Gives a member another role; the organisation keeps a `keeper` with a working key. */
export async function changeMemberRole(db: Db, accountId: string, memberId: string, role: Role, keeper: Role): Promise<MemberView> {
  return db.transaction(async (tx) => {
    await lockOrganisation(tx, accountId);
    const member = await activeMember(tx, accountId, memberId);
    if (member.role === keeper && role !== keeper) await keepAKeeper(tx, accountId, keeper, { memberId });
    const [row] = await tx.update(members).set({ role }).where(eq(members.id, memberId)).returning();
    return toMemberView(row);
  });
}

/** Removes a member and revokes all their keys in the same transaction: they get 401 from the next request. */
export async function removeMember(db: Db, accountId: string, memberId: string, keeper: Role): Promise<MemberView> {
  return db.transaction(async (tx) => {
    await lockOrganisation(tx, accountId);
    const member = await activeMember(tx, accountId, memberId);
    if (member.role === keeper) await keepAKeeper(tx, accountId, keeper, { memberId });
    const now = new Date();
    await revokeMemberKeys(tx, memberId, now);
    const [row] = await tx.update(members).set({ removedAt: now }).where(eq(members.id, memberId)).returning();
    return toMemberView(row);
  });
}
