import { createAccount, PLATFORM_ACCOUNT_ID } from "../accounts/accounts";
import type { Actor } from "../accounts/actor";
import { addMember } from "../accounts/members";
import { authorize } from "./permissions";
import type { UseCaseDeps } from "./context";

/** The operator creates a seller organisation; its first key (the owner's) is shown only in this answer. */
export async function createAccountUseCase(deps: UseCaseDeps, actor: Actor, name: string) {
  authorize(actor, "operate");
  const { account, apiKey } = await createAccount(deps.db, name);
  return { accountId: account.id, name: account.name, apiKey };
}

/** The operator adds a reviewer (decides complaints) to the platform; the key is shown only in this answer. */
export async function addReviewerUseCase(deps: UseCaseDeps, actor: Actor, name: string) {
  authorize(actor, "operate");
  const { member, apiKey } = await addMember(deps.db, PLATFORM_ACCOUNT_ID, name, "reviewer");
  return { memberId: member.memberId, name: member.name, role: member.role, apiKey };
}
