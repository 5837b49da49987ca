import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { organisationSettings } from "../db/schema";
import type { Queryable } from "../db/client";

/** An organisation's watch threshold until it sets one: 92 keeps false alerts ≤ 0.01 % (README, Calibration). */
export const DEFAULT_WATCH_THRESHOLD = 92;

export interface OrganisationSettings {
  watchThreshold: number;
  webhook: { url: string; secret: string; updatedAt: Date } | null;
}

export async function getSettings(q: Queryable, organisationId: string): Promise<OrganisationSettings> {
  const [row] = await q.select().from(organisationSettings).where(eq(organisationSettings.accountId, organisationId)).limit(1);
  return {
    watchThreshold: row?.watchThreshold ?? DEFAULT_WATCH_THRESHOLD,
    webhook: row?.webhookUrl && row.webhookSecret ? { url: row.webhookUrl, secret: row.webhookSecret, updatedAt: row.updatedAt } : null,
  };
}

type SettingsChange = Partial<{ watchThreshold: number; webhookUrl: string | null; webhookSecret: string | null }>;

/** Creates or changes an organisation's settings row. */
export async function updateSettings(db: Db, organisationId: string, change: SettingsChange): Promise<void> {
  const values = { ...change, updatedAt: new Date() };
  await db
    .insert(organisationSettings)
    .values({ accountId: organisationId, ...values })
    .onConflictDoUpdate({ target: organisationSettings.accountId, set: values });
}
