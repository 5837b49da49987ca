import type { OriginalView } from "../../../ledger/originals";
import { Layout, Time, type PageContext } from "../layout";

export function OriginalsPage({ ctx, items, nextCursor }: { ctx: PageContext; items: OriginalView[]; nextCursor: string | null }) {
  const { m } = ctx;
  return (
    <Layout ctx={ctx} title={m.originals}>
      <section class="card" id="register" aria-labelledby="register-title">
        <h2 id="register-title">{m.register}</h2>
        <p class="hint">{m.registerHint}</p>
        <div class="drop" id="drop-zone">
          <label class="button secondary">
            {m.chooseFiles}
            <input id="files" type="file" accept="image/jpeg,image/png,image/webp" multiple class="visually-hidden" />
          </label>
          <label class="button secondary">
            {m.chooseFolder}
            <input id="folder" type="file" webkitdirectory multiple class="visually-hidden" />
          </label>
        </div>
        <div class="fields">
          <label>
            {m.category}
            <input id="category" name="category" required maxlength={100} />
          </label>
          <label>
            {m.country}
            <input id="country" name="storeCountry" required maxlength={2} pattern="[A-Za-z]{2}" autocapitalize="characters" />
          </label>
          <label>
            {m.productId}
            <input id="product-id" name="productId" maxlength={200} />
          </label>
          <label class="check">
            <input id="product-id-from-filename" type="checkbox" checked /> {m.productIdFromFilename}
          </label>
        </div>
        <button id="start-register" type="button">
          {m.start}
        </button>
        <ol id="uploads" class="uploads" aria-live="polite"></ol>
        <p id="upload-summary" class="summary" role="status" data-registered={m.registered} data-already={m.alreadyRegistered} data-refused={m.refused} data-skipped={m.skipped} data-not-image={m.notAnImage}></p>
      </section>

      {/* Replaced by the page script after a bulk run (client/app.ts), so what it registered shows at once. */}
      <section aria-label={m.originals} id="originals-list">
        {items.length === 0 ? <p>{m.noOriginals}</p> : null}
        <ul class="grid">
          {items.map((o) => (
            <li class="card item" data-id={o.id}>
              <img src={`/v1/images/${o.imageId}/thumbnail`} alt="" width="128" height="128" loading="lazy" />
              <div>
                <strong>{o.productId}</strong>
                <div>
                  <span class={`badge ${o.status}`}>{m[o.status]}</span>
                </div>
                <div class="small">
                  {m.registeredAt}: <Time iso={o.registeredAt} m={m} />
                </div>
                <div class="small mono">{o.id}</div>
                {o.status === "anchored" ? (
                  <div class="links">
                    <a href={`/v1/originals/${o.id}/evidence`} download={`evidence-${o.id}.json`}>
                      {m.bundle}
                    </a>
                    <a href={`/v1/originals/${o.id}/certificate.pdf`} download={`certificate-${o.id}.pdf`}>
                      {m.certificate}
                    </a>
                  </div>
                ) : null}
              </div>
            </li>
          ))}
        </ul>
        {nextCursor ? (
          <a class="button secondary" href={`/originals?cursor=${encodeURIComponent(nextCursor)}`}>
            {m.more}
          </a>
        ) : null}
      </section>
    </Layout>
  );
}
