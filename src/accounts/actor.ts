/**
 * Who is asking: the organisation whose data a request may touch, the member acting for it (recorded on what
 * they change), and their role. Platform roles (`admin`, `reviewer`) belong to the operator, not to a seller.
 */
export const ROLES = ["owner", "ip-manager", "member", "admin", "reviewer"] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  organisationId: string;
  memberId: string;
  role: Role;
  /** The first characters of the key used, for the audit log (never the key). */
  keyPrefix: string;
}
