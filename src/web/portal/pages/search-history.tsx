import type { SearchRecordView } from "../../../use-cases/search-records";
import { Layout, Time, type PageContext } from "../layout";

/** The organisation's search records, each with its receipt: sealed on request, downloadable once anchored. */
export function SearchHistoryPage({ ctx, items, nextCursor, keptDays }: { ctx: PageContext; items: SearchRecordView[]; nextCursor: string | null; keptDays: number }) {
  const { m } = ctx;
  const scopeLabel = { all: m.scopeAll, recent: m.scopeRecent, originals: m.scopeOriginals } as const;
  return (
    <Layout ctx={ctx} title={m.searchHistory}>
      <p class="hint">{m.searchHistoryHint.replace("{days}", String(keptDays))}</p>
      {items.length === 0 ? <p>{m.noSearches}</p> : null}
      <ul class="records">
        {items.map((r) => (
          <li class="card item search-record" id={r.id} data-id={r.id} data-receipt={r.receipt}>
            <img src={new URL(r.query.thumbnailUrl).pathname} alt="" width="128" height="128" loading="lazy" />
            <div>
              <div class="small">
                {m.searchedAt}: <Time iso={r.searchedAt} m={m} />
              </div>
              <div class="small">
                {m.scope}: {scopeLabel[r.params.scope]} · {m.threshold}: {r.params.threshold} · {m.category}: {r.params.category ?? m.anyCategory}
              </div>
              <div>
                {m.hits}: <strong class="hit-count">{r.hits.length}</strong>
              </div>
              {r.hits.length ? (
                <ol class="small hits">
                  {r.hits.map((h) => (
                    <li>
                      {h.productId} ({m[h.kind]}) · {h.similarity.toFixed(1)}
                      {h.yours ? ` · ${m.yours}` : ""}
                    </li>
                  ))}
                </ol>
              ) : null}
              <div>
                {m.receipt}: <ReceiptBadge ctx={ctx} status={r.receipt} />
              </div>
              {r.receipt === "none" ? (
                <form method="post" action={`/searches/${r.id}/seal`} class="inline">
                  <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                  <button type="submit" class="secondary">
                    {m.sealAsReceipt}
                  </button>
                </form>
              ) : null}
              {r.receipt === "anchored" ? (
                <div class="links">
                  <a href={`/v1/searches/${r.id}/receipt`} download={`receipt-${r.id}.json`}>
                    {m.receiptJson}
                  </a>
                </div>
              ) : null}
              <div class="small mono">{r.id}</div>
            </div>
          </li>
        ))}
      </ul>
      {nextCursor ? (
        <a class="button secondary" href={`/searches?cursor=${encodeURIComponent(nextCursor)}`}>
          {m.more}
        </a>
      ) : null}
    </Layout>
  );
}

function ReceiptBadge({ ctx, status }: { ctx: PageContext; status: SearchRecordView["receipt"] }) {
  const { m } = ctx;
  const label = { none: m.notSealed, pending: m.sealQueued, sealed: m.sealed, anchored: m.anchored }[status];
  return <span class={`badge receipt ${status === "none" ? "pending" : status === "pending" ? "sealed" : status}`}>{label}</span>;
}
