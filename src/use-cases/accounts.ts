import { createAccount } from "../accounts/accounts";
import type { Actor } from "../accounts/actor";
import { authorize } from "./permissions";
import type { UseCaseDeps } from "./context";

/** The operator creates a seller organisation; its first key (the owner's) is shown only in this answer. */
export async function createAccountUseCase(deps: UseCaseDeps, actor: Actor, name: string) {
  authorize(actor, "operate");
  const { account, apiKey } = await createAccount(deps.db, name);
  return { accountId: account.id, name: account.name, apiKey };
}
