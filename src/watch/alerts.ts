import { randomBytes } from "node:crypto";
import { and, desc, eq, lt, or } from "drizzle-orm";
import type { KeysetCursor } from "../core/cursor";
import type { Db } from "../db/client";
import { alerts, originals } from "../db/schema";
import type { Queryable } from "../db/client";
import type { MatchGeometry } from "../matching/geometry";
import type { Links } from "../use-cases/links";
import type { WatchAlert, WatchSubject } from "./match";

export const ALERT_ID = /^alr_[0-9a-f]{24}$/;
export const ALERT_STATUSES = ["new", "acknowledged", "dismissed"] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** A match alert as the API and webhooks show it: one of the organisation's originals matched a new image. */
export interface MatchAlertView {
  id: string;
  createdAt: string;
  kind: "match";
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

/** A complaint alert: another organisation filed a complaint against one of the alerted organisation's listings. */
export interface ComplaintAlertView {
  id: string;
  createdAt: string;
  kind: "complaint";
  complaint: { id: string; complainantId: string; url: string };
  listing: { id: string; productId: string; storeId: string; storeCountry: string; listedAt: string; thumbnailUrl: string };
  /** The best similarity the complaint recorded of the complainant's originals against the listing's image. */
  similarity: number;
  status: AlertStatus;
}

export type AlertView = MatchAlertView | ComplaintAlertView;

/** What an alert keeps of its match: a snapshot, since a listing may be purged after it alerted. */
type MatchSnapshot = Omit<WatchSubject, "organisationId">;

/** What a complaint alert keeps of the complaint and its listing. */
export interface ComplaintSnapshot {
  complainantId: string;
  listing: { id: string; imageId: string; productId: string; storeId: string; storeCountry: string; listedAt: string };
}

/**
 * Records that an organisation's original matched an image. The same (original, match) pair never alerts twice,
 * even when two workers race (unique index): returns the new alert's id, or null when it existed.
 */
export async function insertAlert(q: Queryable, alert: WatchAlert): Promise<string | null> {
  const { organisationId: _owner, ...snapshot } = alert.matched;
  const rows = await q
    .insert(alerts)
    .values({
      id: "alr_" + randomBytes(12).toString("hex"),
      accountId: alert.organisationId,
      originalId: alert.originalId,
      matchKind: alert.matched.kind,
      matchId: alert.matched.id,
      similarity: alert.similarity,
      match: snapshot satisfies MatchSnapshot,
      geometry: alert.geometry,
      // Milliseconds, like the cursors that page through alerts (the column's default would carry microseconds).
      createdAt: new Date(),
    })
    .onConflictDoNothing({ target: [alerts.originalId, alerts.matchKind, alerts.matchId] })
    .returning({ id: alerts.id });
  return rows[0]?.id ?? null;
}

/**
 * Tells the listing's organisation of a complaint against its listing, in the transaction that files it: one
 * alert per complaint (the complaint's id is the match).
 */
export async function insertComplaintAlert(q: Queryable, a: { complaintId: string; organisationId: string; similarity: number } & ComplaintSnapshot): Promise<string> {
  const id = "alr_" + randomBytes(12).toString("hex");
  await q.insert(alerts).values({
    id,
    accountId: a.organisationId,
    originalId: null,
    matchKind: "complaint",
    matchId: a.complaintId,
    similarity: a.similarity,
    match: { complainantId: a.complainantId, listing: a.listing } satisfies ComplaintSnapshot,
    createdAt: new Date(),
  });
  return id;
}

const columns = { alert: alerts, productId: originals.productId, originalImageId: originals.imageId };

function toView(row: { alert: typeof alerts.$inferSelect; productId: string | null; originalImageId: string | null }, links: Links): AlertView {
  const { alert: a } = row;
  if (a.matchKind === "complaint") {
    const { complainantId, listing } = a.match as unknown as ComplaintSnapshot;
    const { imageId, ...shown } = listing;
    return {
      id: a.id,
      createdAt: a.createdAt.toISOString(),
      kind: "complaint",
      complaint: { id: a.matchId, complainantId, url: links.complaint(a.matchId) },
      listing: { ...shown, thumbnailUrl: links.thumbnail(imageId) },
      similarity: a.similarity,
      status: a.status,
    };
  }
  const { imageId, kind, id, productId, storeId, storeCountry, listedAt, registeredAt } = a.match as unknown as MatchSnapshot;
  return {
    id: a.id,
    createdAt: a.createdAt.toISOString(),
    kind: "match",
    original: { id: a.originalId!, productId: row.productId!, thumbnailUrl: links.thumbnail(row.originalImageId!) },
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
  const [row] = await q.select(columns).from(alerts).leftJoin(originals, eq(originals.id, alerts.originalId)).where(eq(alerts.id, id)).limit(1);
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
    .leftJoin(originals, eq(originals.id, alerts.originalId))
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
