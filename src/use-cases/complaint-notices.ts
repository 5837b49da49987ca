/**
 * What the parties of a complaint are told, written in the transaction that records each step (no step without
 * its notices, no notice of a step that rolled back): the listing's organisation gets an alert of kind
 * "complaint" when one is filed, and every step goes to the webhooks of the parties it concerns.
 */
import type { Queryable } from "../db/client";
import type { EventKind } from "../complaints/store";
import type { ListingView } from "../library/listings";
import { getAlert, insertComplaintAlert, type AlertView } from "../watch/alerts";
import { publishEvent, type WebhookEventType } from "../webhooks/events";
import type { Links } from "./links";

type Party = "complainant" | "respondent";

/** Who hears of each step: the side that did not take it (both sides of a reviewer's decision). */
const TOLD: Record<EventKind, { type: WebhookEventType; parties: Party[] }> = {
  filed: { type: "complaint.filed", parties: ["respondent"] },
  appealed: { type: "complaint.appealed", parties: ["complainant"] },
  upheld: { type: "complaint.decided", parties: ["complainant", "respondent"] },
  rejected: { type: "complaint.decided", parties: ["complainant", "respondent"] },
  withdrawn: { type: "complaint.withdrawn", parties: ["respondent"] },
};

/** A step's status: the complaint's status once the step is taken. */
const STATUS_AFTER: Record<EventKind, string> = { filed: "submitted", appealed: "appealed", upheld: "upheld", rejected: "rejected", withdrawn: "withdrawn" };

export interface ComplaintParties {
  id: string;
  complainantId: string;
  respondentId: string;
  listingId: string;
}

/**
 * Queues the webhook events of one step for the parties it concerns (each its own event id); the respondent's
 * event of a filing carries its complaint alert. Returns how many were queued (organisations without a webhook
 * get none).
 */
export async function publishComplaintStep(
  tx: Queryable,
  links: Links,
  c: ComplaintParties,
  step: EventKind,
  extra: { reason?: string; alert?: AlertView } = {},
): Promise<number> {
  const { type, parties } = TOLD[step];
  const data = {
    complaint: { id: c.id, status: STATUS_AFTER[step], complainantId: c.complainantId, respondentId: c.respondentId, listingId: c.listingId, url: links.complaint(c.id) },
    step: { kind: step, at: new Date().toISOString() },
    ...(step === "upheld" || step === "rejected" ? { decision: { outcome: step, reason: extra.reason ?? "" } } : {}),
  };
  let queued = 0;
  for (const party of parties) {
    const organisationId = party === "complainant" ? c.complainantId : c.respondentId;
    const alert = party === "respondent" && extra.alert ? { alert: extra.alert } : {};
    if (await publishEvent(tx, organisationId, type, { ...data, ...alert })) queued += 1;
  }
  return queued;
}

/** A filing: the listing's organisation's complaint alert, and its webhook event. Returns how many events were queued. */
export async function noticeComplaintFiled(tx: Queryable, links: Links, c: ComplaintParties, listing: ListingView, similarity: number): Promise<number> {
  const alertId = await insertComplaintAlert(tx, {
    complaintId: c.id,
    organisationId: c.respondentId,
    similarity,
    complainantId: c.complainantId,
    listing: { id: listing.id, imageId: listing.imageId, productId: listing.productId, storeId: listing.storeId, storeCountry: listing.storeCountry, listedAt: listing.listedAt },
  });
  const { alert } = (await getAlert(tx, alertId, links))!;
  return publishComplaintStep(tx, links, c, "filed", { alert });
}
