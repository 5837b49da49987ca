import { randomBytes } from "node:crypto";
import { and, desc, eq, lt, or } from "drizzle-orm";
import type { KeysetCursor } from "../core/cursor";
import type { Db } from "../db/client";
import { alerts, originals } from "../db/schema";
import type { Queryable } from "../db/client";
import type { MatchGeometry } from "../matching/geometry";
import type { Links } from "../use-cases/links";
import type { WatchMatch, WatchSubject } from "./match";

export const ALERT_ID = /^alr_[0-9a-f]{24}$/;
export const ALERT_STATUSES = ["new", "acknowledged", "dismissed"] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** An alert as the API and webhooks show it. */
export interface AlertView {
  id: string;
  createdAt: string;
  /** The organisation's original that was copied, with its thumbnail (an inbox shows both pictures side by side). */
  original: { id: string; productId: string; thumbnailUrl: string };
  match: {
    kind: "listing" | "original";
    id: string;
    productId: string;
    storeId?: string;
    storeCountry: string;
    listedAt?: string;
    registeredAt?: string;
    similarity: number;
    thumbnailUrl: string;
  };
  /** The match picture: the matched image against the original. */
  matchUrl: string;
  status: AlertStatus;
}

/** What an alert keeps of its match: a snapshot, since a listing may be purged after it alerted. */
type MatchSnapshot = Omit<WatchSubject, "organisationId">;

/**
 * Records that `subject` matched `match`'s original. The same (original, match) pair never alerts twice, even
 * when two workers race (unique index): returns the new alert's id, or null when it existed.
 */
export async function insertAlert(q: Queryable, subject: WatchSubject, match: WatchMatch): Promise<string | null> {
  const { organisationId: _owner, ...snapshot } = subject;
  const rows = await q
    .insert(alerts)
    .values({
      id: "alr_" + randomBytes(12).toString("hex"),
      accountId: match.organisationId,
      originalId: match.originalId,
      matchKind: subject.kind,
      matchId: subject.id,
      similarity: match.similarity,
      match: snapshot satisfies MatchSnapshot,
      geometry: match.geometry,
      // Milliseconds, like the cursors that page through alerts (the column's default would carry microseconds).
      createdAt: new Date(),
    })
    .onConflictDoNothing({ target: [alerts.originalId, alerts.matchKind, alerts.matchId] })
    .returning({ id: alerts.id });
  return rows[0]?.id ?? null;
}

const columns = { alert: alerts, productId: originals.productId, originalImageId: originals.imageId };

function toView(row: { alert: typeof alerts.$inferSelect; productId: string; originalImageId: string }, links: Links): AlertView {
  const { alert: a } = row;
  const { imageId, kind, id, productId, storeId, storeCountry, listedAt, registeredAt } = a.match as unknown as MatchSnapshot;
  return {
    id: a.id,
    createdAt: a.createdAt.toISOString(),
    original: { id: a.originalId, productId: row.productId, thumbnailUrl: links.thumbnail(row.originalImageId) },
    match: {
      kind,
      id,
      productId,
      ...(storeId !== undefined ? { storeId } : {}),
      storeCountry,
      ...(listedAt !== undefined ? { listedAt } : {}),
      ...(registeredAt !== undefined ? { registeredAt } : {}),
      similarity: a.similarity,
      thumbnailUrl: links.thumbnail(imageId),
    },
    matchUrl: links.alertMatch(a.id),
    status: a.status,
  };
}

/** One alert and the organisation it belongs to. */
export async function getAlert(q: Queryable, id: string, links: Links): Promise<{ alert: AlertView; organisationId: string } | null> {
  const [row] = await q.select(columns).from(alerts).innerJoin(originals, eq(originals.id, alerts.originalId)).where(eq(alerts.id, id)).limit(1);
  return row ? { alert: toView(row, links), organisationId: row.alert.accountId } : null;
}

/** The organisation's alerts, newest first, optionally of one status. */
export async function listAlerts(db: Db, organisationId: string, page: { status?: AlertStatus; limit: number; cursor: KeysetCursor | null }, links: Links) {
  const { cursor } = page;
  const before = cursor
    ? or(lt(alerts.createdAt, new Date(cursor.ms)), and(eq(alerts.createdAt, new Date(cursor.ms)), lt(alerts.id, cursor.id)))
    : undefined;
  const rows = await db
    .select(columns)
    .from(alerts)
    .innerJoin(originals, eq(originals.id, alerts.originalId))
    .where(and(eq(alerts.accountId, organisationId), page.status ? eq(alerts.status, page.status) : undefined, before))
    .orderBy(desc(alerts.createdAt), desc(alerts.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit);
  const last = items.at(-1)?.alert;
  return { items: items.map((r) => toView(r, links)), next: rows.length > page.limit && last ? { ms: last.createdAt.getTime(), id: last.id } : null };
}

/**
 * What an alert's match picture is drawn from: the matched image (as the alert's snapshot names it), the
 * original's image and the recorded geometry (null: not geometric, or alerted before geometry was kept).
 */
export async function alertMatchOf(db: Db, id: string): Promise<{ organisationId: string; matchImageId: string; originalImageId: string; geometry: MatchGeometry | null } | null> {
  const [row] = await db
    .select({ organisationId: alerts.accountId, match: alerts.match, geometry: alerts.geometry, originalImageId: originals.imageId })
    .from(alerts)
    .innerJoin(originals, eq(originals.id, alerts.originalId))
    .where(eq(alerts.id, id))
    .limit(1);
  if (!row) return null;
  const { imageId } = row.match as unknown as MatchSnapshot;
  return { organisationId: row.organisationId, matchImageId: imageId, originalImageId: row.originalImageId, geometry: row.geometry ?? null };
}

export async function setAlertStatus(db: Db, id: string, status: AlertStatus): Promise<void> {
  await db.update(alerts).set({ status, statusChangedAt: new Date() }).where(eq(alerts.id, id));
}
