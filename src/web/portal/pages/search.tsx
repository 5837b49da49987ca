import type { SearchResult } from "../../../use-cases/search";
import { Layout, Time, type PageContext } from "../layout";

export interface SearchForm {
  scope: string;
  threshold: number;
  category?: string;
}

export function SearchPage({ ctx, form, result }: { ctx: PageContext; form: SearchForm; result?: SearchResult }) {
  const { m } = ctx;
  return (
    <Layout ctx={ctx} title={m.search}>
      <form method="post" action="/search" enctype="multipart/form-data" class="card" id="search-form">
        <input type="hidden" name="_csrf" value={ctx.csrfToken} />
        <label>
          {m.image}
          <input id="search-image" name="image" type="file" accept="image/jpeg,image/png,image/webp" />
        </label>
        <label>
          {m.imageUrl}
          <input name="url" type="url" inputmode="url" placeholder="https://…" />
        </label>
        <p class="hint">{m.pasteHint}</p>
        <div class="fields">
          <label>
            {m.scope}
            <select name="scope">
              <option value="all" selected={form.scope === "all"}>
                {m.scopeAll}
              </option>
              <option value="recent" selected={form.scope === "recent"}>
                {m.scopeRecent}
              </option>
              <option value="originals" selected={form.scope === "originals"}>
                {m.scopeOriginals}
              </option>
            </select>
          </label>
          <label>
            {m.threshold}
            <input name="threshold" type="number" min="0" max="100" step="1" value={String(form.threshold)} />
          </label>
          <label>
            {m.category}
            <input name="category" placeholder={m.anyCategory} value={form.category ?? ""} maxlength={100} />
          </label>
        </div>
        <p class="hint">{m.thresholdHint}</p>
        <button type="submit">{m.find}</button>
      </form>
      {result ? <Results ctx={ctx} result={result} /> : null}
    </Layout>
  );
}

function Results({ ctx, result }: { ctx: PageContext; result: SearchResult }) {
  const { m } = ctx;
  return (
    <section aria-labelledby="results-title">
      <h2 id="results-title">{m.results}</h2>
      {result.hits.length === 0 ? <p>{m.noHits}</p> : null}
      <ol class="grid results">
        {result.hits.map((hit, index) => (
          <li class="card item hit" data-id={hit.id}>
            <img src={new URL(hit.thumbnailUrl).pathname} alt="" width="128" height="128" loading="lazy" />
            <div>
              <div class="similarity">
                {m.similarity} <strong>{hit.similarity.toFixed(1)}</strong>
              </div>
              <strong>{hit.productId}</strong> <span class="small">({m[hit.kind]})</span>
              {hit.yours ? (
                <>
                  {" "}
                  <span class="badge yours">{m.yours}</span>
                </>
              ) : null}
              <div class="small">
                {hit.kind === "original" ? m.registeredAt : m.listedAt}: <Time iso={(hit.registeredAt ?? hit.listedAt)!} m={m} />
              </div>
              <div class="small">
                {m.storeCountry}: {hit.storeCountry}
              </div>
              {hit.evidence?.status === "stored-as-evidence" ? (
                <a class="badge anchored" href={`/v1/originals/${hit.id}/evidence`} download={`evidence-${hit.id}.json`}>
                  {m.storedAsEvidence}
                </a>
              ) : hit.evidence?.status === "pending" ? (
                <span class="badge pending">{m.evidencePending}</span>
              ) : null}
              <div class="links">
                <a href={new URL(hit.thumbnailUrl).pathname}>{m.viewOriginal}</a>
                <a class="compare-link" href={`/searches/${result.searchId}/hits/${index}/match.png`}>
                  {m.compare}
                </a>
                {/* The complaint would be refused (own_listing): the organisation delists its own listing instead. */}
                {hit.kind === "listing" && !hit.yours ? <a href={`/complaints/new?listingId=${encodeURIComponent(hit.id)}`}>{m.fileComplaint}</a> : null}
              </div>
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
