/**
 * Who is asking: the organisation whose data a request may touch, the member acting for it (recorded on what
 * they change), and their role. Platform roles (`admin`, `reviewer`) belong to the operator, not to a seller.
 */
export type Role = "owner" | "ip-manager" | "member" | "admin" | "reviewer";

export interface Actor {
  organisationId: string;
  memberId: string;
  role: Role;
  /** The first characters of the key used, for the audit log (never the key). */
  keyPrefix: string;
}
