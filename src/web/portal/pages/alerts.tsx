import type { AlertView, ComplaintAlertView, MatchAlertView } from "../../../watch/alerts";
import { Layout, Time, type PageContext } from "../layout";

export const ALERT_TABS = ["new", "acknowledged", "dismissed", "all"] as const;
export type AlertTab = (typeof ALERT_TABS)[number];

/** The watch inbox: each alert shows the organisation's original beside what matched it. */
export function AlertsPage({ ctx, tab, items, nextCursor }: { ctx: PageContext; tab: AlertTab; items: AlertView[]; nextCursor: string | null }) {
  const { m } = ctx;
  return (
    <Layout ctx={ctx} title={m.alerts}>
      <p class="hint">{m.alertsHint}</p>
      <nav class="tabs" aria-label={m.status}>
        {ALERT_TABS.map((t) => (
          <a href={`/alerts?status=${t}`} aria-current={t === tab ? "page" : undefined}>
            {t === "all" ? m.allAlerts : m[t]}
          </a>
        ))}
      </nav>
      {items.length === 0 ? <p>{m.noAlerts}</p> : null}
      <ul class="alerts">
        {items.map((a) => (
          <li class="card alert" id={a.id} data-id={a.id} data-status={a.status}>
            {a.kind === "complaint" ? <ComplaintAlertBody alert={a} ctx={ctx} /> : <MatchAlertBody alert={a} ctx={ctx} />}
            <form method="post" action={`/alerts/${a.id}/status`} class="actions">
              <input type="hidden" name="_csrf" value={ctx.csrfToken} />
              <input type="hidden" name="tab" value={tab} />
              {a.status !== "acknowledged" ? (
                <button type="submit" name="status" value="acknowledged">
                  {m.acknowledge}
                </button>
              ) : null}
              {a.status !== "dismissed" ? (
                <button type="submit" name="status" value="dismissed" class="secondary">
                  {m.dismiss}
                </button>
              ) : null}
            </form>
          </li>
        ))}
      </ul>
      {nextCursor ? (
        <a class="button secondary" href={`/alerts?status=${tab}&cursor=${encodeURIComponent(nextCursor)}`}>
          {m.more}
        </a>
      ) : null}
    </Layout>
  );
}

/** One of the organisation's originals matched a new image: both pictures, the similarity and the match picture. */
function MatchAlertBody({ alert: a, ctx }: { alert: MatchAlertView; ctx: PageContext }) {
  const { m } = ctx;
  return (
    <>
      <div class="compare">
        <figure>
          <img src={new URL(a.original.thumbnailUrl).pathname} alt={`${m.yourOriginal} ${a.original.productId}`} width="160" height="160" loading="lazy" />
          <figcaption>
            {m.yourOriginal}: <strong>{a.original.productId}</strong>
          </figcaption>
        </figure>
        <figure>
          <img src={new URL(a.match.thumbnailUrl).pathname} alt={`${m[a.match.kind]} ${a.match.productId}`} width="160" height="160" loading="lazy" />
          <figcaption>
            {m[a.match.kind]}: <strong>{a.match.productId}</strong> ({m.storeCountry} {a.match.storeCountry})
          </figcaption>
        </figure>
      </div>
      <p>
        {m.similarity} <strong class="similarity-value">{a.match.similarity.toFixed(1)}</strong> · <span class={`badge alert-${a.status}`}>{m[a.status]}</span>
      </p>
      <p class="small">
        {m.alertedAt}: <Time iso={a.createdAt} m={m} />
        {a.match.listedAt ? (
          <>
            {" · "}
            {m.listedAt}: <Time iso={a.match.listedAt} m={m} />
          </>
        ) : null}
      </p>
      <p class="links">
        <a class="compare-link" href={`/alerts/${a.id}/match.png`}>
          {m.compare}
        </a>
        {/* A listing can be taken down: the complaint cites this original and records that the alert found it. */}
        {a.match.kind === "listing" ? (
          <a class="complaint-link" href={`/complaints/new?${new URLSearchParams({ listingId: a.match.id, originalIds: a.original.id, alertId: a.id })}`}>
            {m.fileComplaint}
          </a>
        ) : null}
      </p>
    </>
  );
}

/** Another organisation filed a complaint against one of the organisation's listings. */
function ComplaintAlertBody({ alert: a, ctx }: { alert: ComplaintAlertView; ctx: PageContext }) {
  const { m } = ctx;
  return (
    <>
      <p>
        <strong>{m.complaintAgainstListing}</strong>
      </p>
      <figure>
        <img src={new URL(a.listing.thumbnailUrl).pathname} alt={`${m.listing} ${a.listing.productId}`} width="160" height="160" loading="lazy" />
        <figcaption>
          {m.listing}: <strong>{a.listing.productId}</strong> ({m.storeCountry} {a.listing.storeCountry})
        </figcaption>
      </figure>
      <p>
        {m.similarity} <strong class="similarity-value">{a.similarity.toFixed(1)}</strong> · <span class={`badge alert-${a.status}`}>{m[a.status]}</span>
      </p>
      <p class="small">
        {m.alertedAt}: <Time iso={a.createdAt} m={m} />
      </p>
      <p class="links">
        <a href={`/complaints/${a.complaint.id}`}>{m.openComplaint}</a>
      </p>
    </>
  );
}
