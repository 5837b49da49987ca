import type { Actor, Role } from "../accounts/actor";
import { activeMember, addMember, changeMemberRole, listMembers, removeMember, type MemberView } from "../accounts/members";
import { ImprintError } from "../core/errors";
import { authorize, memberRoles } from "./permissions";
import type { UseCaseDeps } from "./context";

/** The owner adds a member to the organisation; the member's first key is shown only in this answer. */
export async function addMemberUseCase(deps: UseCaseDeps, actor: Actor, input: { name: string; role: Role }) {
  authorize(actor, "organisation");
  assignable(actor, input.role);
  const { member, apiKey } = await addMember(deps.db, actor.organisationId, input.name, input.role);
  return { memberId: member.memberId, name: member.name, role: member.role, apiKey };
}

/** The organisation's members (the platform's, for an admin). */
export async function listMembersUseCase(deps: UseCaseDeps, actor: Actor): Promise<MemberView[]> {
  authorize(actor, "organisation", "operate");
  return listMembers(deps.db, actor.organisationId);
}

export async function changeMemberRoleUseCase(deps: UseCaseDeps, actor: Actor, memberId: string, role: Role): Promise<MemberView> {
  authorize(actor, "organisation", "operate");
  // The member first: a role the actor's organisation cannot give would otherwise tell that a member id of
  // another organisation exists (400), where a missing one answers 404.
  await activeMember(deps.db, actor.organisationId, memberId);
  assignable(actor, role);
  return changeMemberRole(deps.db, actor.organisationId, memberId, role, memberRoles(actor).keeper);
}

/** Removes a member: all of their keys are revoked at once. */
export async function removeMemberUseCase(deps: UseCaseDeps, actor: Actor, memberId: string): Promise<MemberView> {
  authorize(actor, "organisation", "operate");
  return removeMember(deps.db, actor.organisationId, memberId, memberRoles(actor).keeper);
}

function assignable(actor: Actor, role: Role): void {
  const { assignable } = memberRoles(actor);
  if (!assignable.includes(role)) {
    throw new ImprintError("invalid_request", `role must be one of ${assignable.join(", ")} in this organisation`);
  }
}
