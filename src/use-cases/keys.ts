import type { Actor } from "../accounts/actor";
import { issueKey, listKeys, revokeKey, type IssuedKey, type KeyView } from "../accounts/api-keys";
import { activeMember } from "../accounts/members";
import { authorize, memberRoles } from "./permissions";
import type { UseCaseDeps } from "./context";

/** The organisation's keys (the owner's view), or the platform's (the admin's). Never the keys themselves. */
export async function listKeysUseCase(deps: UseCaseDeps, actor: Actor): Promise<KeyView[]> {
  authorize(actor, "organisation", "operate");
  return listKeys(deps.db, actor.organisationId);
}

/** A new key for a member of the organisation (the caller by default); shown only in this answer. */
export async function createKeyUseCase(deps: UseCaseDeps, actor: Actor, input: { memberId?: string }): Promise<IssuedKey> {
  authorize(actor, "organisation", "operate");
  const member = await activeMember(deps.db, actor.organisationId, input.memberId ?? actor.memberId);
  return issueKey(deps.db, member);
}

/** Revokes one of the organisation's keys: it fails from the next request on. */
export async function revokeKeyUseCase(deps: UseCaseDeps, actor: Actor, keyId: number): Promise<KeyView> {
  authorize(actor, "organisation", "operate");
  return revokeKey(deps.db, actor.organisationId, keyId, memberRoles(actor).keeper);
}
