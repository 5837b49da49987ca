import type { Actor } from "../accounts/actor";
import { getSettings, updateSettings } from "../accounts/settings";
import { ImprintError } from "../core/errors";
import { fetchPolicyOf } from "../net/fetch-policy";
import { checkUrl } from "../net/safe-fetch";
import { listDeliveries } from "../webhooks/events";
import type { UseCaseDeps } from "./context";
import { authorize } from "./permissions";

/** What an organisation's settings show: never the webhook's secret. */
async function settingsView(deps: UseCaseDeps, organisationId: string) {
  const { watchThreshold, webhook } = await getSettings(deps.db, organisationId);
  return { watchThreshold, webhook: webhook ? { url: webhook.url, updatedAt: webhook.updatedAt.toISOString() } : null };
}

export async function getSettingsUseCase(deps: UseCaseDeps, actor: Actor) {
  authorize(actor, "organisation");
  return settingsView(deps, actor.organisationId);
}

/** The owner sets the similarity at which the organisation's originals alert (85–100, default 92). */
export async function updateSettingsUseCase(deps: UseCaseDeps, actor: Actor, change: { watchThreshold?: number }) {
  authorize(actor, "organisation");
  if (change.watchThreshold !== undefined) await updateSettings(deps.db, actor.organisationId, { watchThreshold: change.watchThreshold });
  return settingsView(deps, actor.organisationId);
}

/** Sets (or, with null, removes) where the organisation's events are POSTed and the secret that signs them. */
export async function setWebhookUseCase(deps: UseCaseDeps, actor: Actor, webhook: { url: string; secret: string } | null) {
  authorize(actor, "organisation");
  if (webhook) {
    if (!URL.canParse(webhook.url)) throw new ImprintError("invalid_url", "the webhook URL is not an absolute URL");
    const url = new URL(webhook.url);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new ImprintError("invalid_url", "the webhook URL must be http or https");
    if (url.username || url.password) throw new ImprintError("invalid_url", "the webhook URL must not carry credentials; the secret signs deliveries");
    await checkReceiver(deps, webhook.url);
  }
  await updateSettings(deps.db, actor.organisationId, { webhookUrl: webhook?.url ?? null, webhookSecret: webhook?.secret ?? null });
  return (await settingsView(deps, actor.organisationId)).webhook;
}

/**
 * Refuses a receiver every delivery would be refused (a private or loopback address, a port not allowed), by the
 * policy the deliveries are POSTed under: src/services.ts builds the poster's from the same configuration. The
 * rule that refused goes to the log, as for any fetch; the organisation gets one sentence.
 */
async function checkReceiver(deps: UseCaseDeps, url: string): Promise<void> {
  try {
    // No body is read here: the body limit does not matter.
    await checkUrl(url, fetchPolicyOf(deps.config, 0));
  } catch (error) {
    if (!(error instanceof ImprintError) || error.code !== "url_not_allowed") throw error;
    throw new ImprintError("url_not_allowed", "the webhook URL is not allowed: events are delivered only to http(s) URLs of public hosts on the allowed ports", { cause: error.cause });
  }
}

/** Every delivery attempt of the organisation's events, newest first. */
export async function listDeliveriesUseCase(deps: UseCaseDeps, actor: Actor, page: { limit: number; cursor?: string }) {
  authorize(actor, "organisation");
  const before = page.cursor === undefined ? null : Number(page.cursor);
  if (before !== null && !(Number.isSafeInteger(before) && before > 0)) throw new ImprintError("invalid_cursor", "the cursor is not one this API issued");
  const { items, nextBefore } = await listDeliveries(deps.db, actor.organisationId, page.limit, before);
  return { items, nextCursor: nextBefore === null ? null : String(nextBefore) };
}
