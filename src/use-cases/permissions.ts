import type { Actor, Role } from "../accounts/actor";
import { ImprintError } from "../core/errors";

/** What a use case may require of its actor. The grants below are the only place roles are interpreted. */
export type Permission =
  /** Register, list and read the organisation's originals; search; search records; alerts. The IP centre. */
  | "ip-centre"
  /** Add, delist and read the organisation's listings (store operations). */
  | "store"
  /** Members, keys, settings, webhooks, the audit log. */
  | "organisation"
  /** Operator actions: accounts, anchoring, re-anchoring, reviewers. */
  | "operate"
  /** Decide complaints. */
  | "review";

const GRANTS: Record<Role, readonly Permission[]> = {
  owner: ["ip-centre", "store", "organisation"],
  "ip-manager": ["ip-centre", "store"],
  member: ["store"],
  admin: ["operate"],
  reviewer: ["review"],
};

export function can(actor: Actor, permission: Permission): boolean {
  return GRANTS[actor.role].includes(permission);
}

/** Throws 403 `forbidden` unless the actor's role grants one of `permissions`. */
export function authorize(actor: Actor, ...permissions: [Permission, ...Permission[]]): void {
  if (!permissions.some((p) => can(actor, p))) throw new ImprintError("forbidden", `the ${actor.role} role may not do this`);
}

/**
 * Whether a row of `organisationId` is the actor's organisation's own: a search hit it is told is its own
 * (`yours`) is exactly a listing it may not complain about (`own_listing`).
 */
export function ownedBy(actor: Actor, organisationId: string): boolean {
  return actor.organisationId === organisationId;
}

/**
 * Whether the actor may see a row of `organisationId`. The operator sees everything (support, disputes); anyone
 * else only their own organisation's rows, and a foreign row answers like a missing one (ids are not probed).
 */
export function ownsOrOperates(actor: Actor, organisationId: string): boolean {
  return ownedBy(actor, organisationId) || actor.role === "admin";
}

/**
 * The roles a member of the actor's organisation may be given, and the `keeper` role it must never run out of
 * (whoever holds it manages members and keys). For those who may `operate` that organisation is the platform.
 */
export function memberRoles(actor: Actor): { assignable: readonly Role[]; keeper: Role } {
  return can(actor, "operate") ? { assignable: ["admin", "reviewer"], keeper: "admin" } : { assignable: ["owner", "ip-manager", "member"], keeper: "owner" };
}
