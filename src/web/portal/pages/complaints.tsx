import type { ComplaintDraft, ComplaintView, EvidenceState } from "../../../use-cases/complaints";
import { Layout, Time, type PageContext } from "../layout";
import { roleLabel } from "../messages";
import { RefusalNotice, type Refusal } from "../refusal-notice";

export function ComplaintsPage({ ctx, tab, items, tabs }: { ctx: PageContext; tab: string; items: ComplaintView[]; tabs: ("filed" | "received" | "queue")[] }) {
  const { m } = ctx;
  return (
    <Layout ctx={ctx} title={m.complaints}>
      <nav class="tabs" aria-label={m.complaints}>
        {tabs.map((t) => (
          <a href={`/complaints?tab=${t}`} aria-current={t === tab ? "page" : undefined}>
            {m[t]}
          </a>
        ))}
      </nav>
      {tab === "queue" ? <p class="hint">{m.queueHint}</p> : null}
      {items.length === 0 ? <p>{m.noComplaints}</p> : null}
      <ul class="grid">
        {items.map((c) => (
          <li class="card item complaint" data-id={c.id}>
            {"imageId" in c.listing && c.listing.imageId ? <img src={`/v1/images/${c.listing.imageId}/thumbnail`} alt="" width="128" height="128" loading="lazy" /> : <span></span>}
            <div>
              <a href={`/complaints/${c.id}`}>
                <strong>{"productId" in c.listing ? c.listing.productId : c.listing.id}</strong>
              </a>
              <div>
                <span class={`badge ${c.status}`}>{m[c.status]}</span>
              </div>
              <div class="small">
                {m.filedAt}: <Time iso={c.createdAt} m={m} />
              </div>
              {c.appeal ? (
                <div class="small">
                  {m.priority}: {c.appeal.priority === "appellant-earlier" ? m.appellantEarlier : m.complainantEarlier}
                </div>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
    </Layout>
  );
}

/** What the filer typed: kept when the service refuses the form, so it comes back as they left it. */
export interface TypedComplaint {
  listingId: string;
  /** Ticked and typed ids alike. */
  originalIds: string[];
  statement: string;
  alertId?: string;
}

/**
 * The filing form: blank, from a link (a search hit, an alert), or back after a refusal with what was typed and the
 * refusal above it. From a link every original the index offers is ticked; back after a refusal, only those that were.
 */
export function NewComplaintPage({ ctx, typed, draft, refusal }: { ctx: PageContext; typed: TypedComplaint; draft?: ComplaintDraft; refusal?: Refusal }) {
  const { m } = ctx;
  const suggested = draft?.originals ?? [];
  // Ids named in the link or typed that the index did not offer stay in the free field.
  const offered = new Set(suggested.map((o) => o.originalId));
  const named = typed.originalIds.filter((id) => !offered.has(id)).join(", ");
  const ticked = (id: string) => !refusal || typed.originalIds.includes(id);
  return (
    <Layout ctx={ctx} title={m.newComplaint}>
      <form method="post" action="/complaints" enctype="multipart/form-data" class="card" id="complaint-form">
        {refusal ? <FormRefusal ctx={ctx} refusal={refusal} /> : null}
        <input type="hidden" name="_csrf" value={ctx.csrfToken} />
        {typed.alertId ? <input type="hidden" name="alertId" value={typed.alertId} /> : null}
        {draft ? (
          <div class="item">
            <img src={`/v1/images/${draft.listing.imageId}/thumbnail`} alt={m.copy} width="128" height="128" />
            <div>
              <strong>{draft.listing.productId}</strong> ({draft.listing.storeCountry})
              <div class="small">
                {m.listedAt}: <Time iso={draft.listing.listedAt} m={m} />
              </div>
              <div class="small mono">{draft.listing.id}</div>
            </div>
          </div>
        ) : null}
        <label>
          {m.listingToComplain}
          <input name="listingId" required value={typed.listingId} maxlength={100} readonly={draft ? true : undefined} />
        </label>
        {draft ? (
          <fieldset id="suggested-originals">
            <legend>{m.suggestedOriginals}</legend>
            {suggested.length === 0 ? <p class="hint">{m.noSuggestedOriginals}</p> : null}
            {suggested.map((o) => (
              <label class="check">
                <input type="checkbox" name="originalIds" value={o.originalId} checked={ticked(o.originalId)} />
                <span>
                  {o.productId} · {m.similarity} <strong>{o.similarity.toFixed(1)}</strong> · <EvidenceBadge m={m} evidence={o.evidence} />{" "}
                  <span class="small mono">{o.originalId}</span>
                </span>
              </label>
            ))}
          </fieldset>
        ) : null}
        <label>
          {suggested.length ? m.moreOriginals : m.originalsCited}
          <input name="originalIds" required={suggested.length === 0} value={named} maxlength={600} />
        </label>
        <label>
          {m.statement}
          <textarea name="statement" required maxlength={5000} rows={6}>
            {typed.statement}
          </textarea>
        </label>
        <Attachments ctx={ctx} again={refusal !== undefined} />
        <button type="submit">{m.submit}</button>
      </form>
    </Layout>
  );
}

/** A refused form's refusal, first in the form, where the reader looks after sending it. */
function FormRefusal({ ctx, refusal }: { ctx: PageContext; refusal: Refusal }) {
  return (
    <div class="refusal">
      <strong>{ctx.m.formRefused}</strong>
      <RefusalNotice ctx={ctx} code={refusal.code} message={refusal.message} />
    </div>
  );
}

/** The PDF attachments field. A browser never refills a file field, so a form that came back says to choose them again. */
function Attachments({ ctx, again }: { ctx: PageContext; again: boolean }) {
  const { m } = ctx;
  return (
    <label>
      {m.attachments}
      <input name="attachments" type="file" accept="application/pdf" multiple />
      {again ? <span class="hint attachments-again">{m.attachmentsAgain}</span> : null}
    </label>
  );
}

function EvidenceBadge({ m, evidence }: { m: PageContext["m"]; evidence: EvidenceState }) {
  return evidence.status === "anchored" ? <span class="badge anchored">{m.storedAsEvidence}</span> : <span class="badge pending">{m.evidencePending}</span>;
}

/** A block time (seconds), shown like every other time on the pages. */
const blockTime = (seconds: number) => new Date(seconds * 1000).toISOString();

/** What the appellant typed, kept when the service refuses the appeal. */
export interface TypedAppeal {
  statement: string;
  originalIds: string[];
}

/** A complaint; `appeal` holds a refused appeal's typed values and its refusal, shown again in the appeal form. */
export function ComplaintPage({ ctx, c, side, appeal }: { ctx: PageContext; c: ComplaintView; side: "complainant" | "respondent" | "reviewer"; appeal?: { typed: TypedAppeal; refusal: Refusal } }) {
  const { m } = ctx;
  const open = c.status === "submitted" || c.status === "appealed";
  const canAppeal = side === "respondent" && c.status === "submitted" && Date.now() <= Date.parse(c.appealDeadline);
  return (
    <Layout ctx={ctx} title={`${m.complaint} ${c.id}`}>
      <section class="card">
        <p>
          <span class={`badge ${c.status}`}>{m[c.status]}</span> · {m.filedAt}: <Time iso={c.createdAt} m={m} />
        </p>
        <div class="compare">
          <figure>
            {"imageId" in c.listing && c.listing.imageId ? <img src={`/v1/images/${c.listing.imageId}/thumbnail`} alt={m.copy} /> : null}
            <figcaption>
              {m.copy}: {"productId" in c.listing ? `${c.listing.productId} (${c.listing.storeCountry})` : c.listing.id}
            </figcaption>
          </figure>
          {c.originals.map((o) => (
            <figure>
              {o.imageId ? <img src={`/v1/images/${o.imageId}/thumbnail`} alt={`${m.original} ${o.productId}`} /> : null}
              <figcaption>
                {m.original} {o.productId}: {m.similarity} <strong>{o.similarity.toFixed(1)}</strong> ·{" "}
                {o.evidence.status === "anchored" ? (
                  <a class="badge anchored" href={`/v1/originals/${o.originalId}/evidence`} download={`evidence-${o.originalId}.json`}>
                    {m.storedAsEvidence}
                  </a>
                ) : (
                  <span class="badge pending">{m.evidencePending}</span>
                )}
              </figcaption>
            </figure>
          ))}
        </div>
        <h2>{m.statement}</h2>
        <p class="statement">{c.statement}</p>
        {c.attachments.length ? (
          <ul>
            {c.attachments.map((a) => (
              <li>
                <a href={`/v1/complaints/${c.id}/attachments/${a.id}`} download={a.filename}>
                  {a.filename}
                </a>{" "}
                {a.side === "appeal" ? <span class="small">({m.appeal})</span> : null} <span class="small mono">SHA-256 {a.sha256}</span>
              </li>
            ))}
          </ul>
        ) : null}
        <p>
          <a href={`/v1/complaints/${c.id}/report.pdf`}>{m.report}</a>
        </p>
      </section>

      {c.appeal ? (
        <section class="card" id="appeal">
          <h2>{m.appeal}</h2>
          <p class="statement">{c.appeal.statement}</p>
          <p class="priority">
            {m.priority}: <strong>{c.appeal.priority === "appellant-earlier" ? m.appellantEarlier : m.complainantEarlier}</strong>
          </p>
          <dl class="sides">
            <dt>{m.complainant}</dt>
            <dd>
              {m.earliestAnchor}: {c.appeal.complainant.earliestBlockTimestamp === null ? m.noneAnchored : <Time iso={blockTime(c.appeal.complainant.earliestBlockTimestamp)} m={m} />}
            </dd>
            <dt>{m.appellant}</dt>
            <dd>
              {m.earliestAnchor}: {c.appeal.appellant.earliestBlockTimestamp === null ? m.noneAnchored : <Time iso={blockTime(c.appeal.appellant.earliestBlockTimestamp)} m={m} />}
              <div class="small">{c.appeal.foundByService ? m.foundByService : m.namedByAppellant}</div>
              <ul>
                {c.appeal.appellant.originals.map((o) => (
                  <li>
                    {o.productId} · {m.similarity} <strong>{o.similarity.toFixed(1)}</strong> · <EvidenceBadge m={m} evidence={o.evidence} />
                    {o.evidence.status === "anchored" ? (
                      <span class="small">
                        {" "}
                        {m.anchoredInBlock} {o.evidence.blockNumber}
                      </span>
                    ) : null}
                  </li>
                ))}
              </ul>
            </dd>
          </dl>
        </section>
      ) : null}

      {c.decision ? (
        <section class="card" id="decision">
          <h2>{m.decision}</h2>
          <p>
            <span class={`badge ${c.decision.outcome}`}>{m[c.decision.outcome]}</span> {c.decision.reason}
          </p>
          <p class="small">
            {m.decidedAt}: <Time iso={c.decision.decidedAt} m={m} />
          </p>
        </section>
      ) : null}

      <section class="card">
        <h2>{m.timeline}</h2>
        <ol class="timeline">
          {c.timeline.map((e) => (
            <li>
              <Time iso={e.at} m={m} /> — <strong>{m[eventLabel(e.kind)]}</strong> ({actorOf(c, e, m)}){e.note ? `: ${e.note}` : ""}
            </li>
          ))}
        </ol>
      </section>

      {appeal && !canAppeal ? (
        // The appeal was refused because there is no longer an appeal to make (decided, or past its deadline).
        <section class="card" id="appeal-refused">
          <RefusalNotice ctx={ctx} code={appeal.refusal.code} message={appeal.refusal.message} />
        </section>
      ) : null}

      {side === "complainant" && open ? (
        <form method="post" action={`/complaints/${c.id}/withdraw`} class="card" data-confirm={m.withdrawConfirm}>
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <button type="submit" class="secondary">
            {m.withdraw}
          </button>
        </form>
      ) : null}

      {canAppeal ? (
        <form method="post" action={`/complaints/${c.id}/appeal`} enctype="multipart/form-data" class="card" id="appeal-form">
          <h2>{m.appeal}</h2>
          {appeal ? <FormRefusal ctx={ctx} refusal={appeal.refusal} /> : null}
          <p class="hint">
            {m.appealDeadline}: <Time iso={c.appealDeadline} m={m} />. {m.appealHint}
          </p>
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <label>
            {m.appealStatement}
            <textarea name="statement" required maxlength={5000} rows={5}>
              {appeal?.typed.statement ?? ""}
            </textarea>
          </label>
          <label>
            {m.appealOriginals}
            <input name="originalIds" maxlength={600} value={appeal?.typed.originalIds.join(", ") ?? ""} />
          </label>
          <Attachments ctx={ctx} again={appeal !== undefined} />
          <button type="submit">{m.appeal}</button>
        </form>
      ) : null}

      {side === "reviewer" && open ? (
        <form method="post" action={`/complaints/${c.id}/decision`} class="card" id="decision-form">
          <h2>{m.decide}</h2>
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <label>
            {m.reason}
            <textarea name="reason" required maxlength={5000} rows={3}></textarea>
          </label>
          <div class="actions">
            <button type="submit" name="outcome" value="upheld">
              {m.uphold}
            </button>
            <button type="submit" name="outcome" value="rejected" class="secondary">
              {m.reject}
            </button>
          </div>
        </form>
      ) : null}
    </Layout>
  );
}

function eventLabel(kind: string) {
  return ({ filed: "submitted", appealed: "appealed", withdrawn: "withdrawn", upheld: "upheld", rejected: "rejected" } as const)[kind as "filed"] ?? "submitted";
}

/** Who acted, by side: the organisations' ids mean nothing to a reader, their side in the complaint does. */
/** Who took a step: the party and the member's role; a reviewer (of neither party) by the role alone. */
function actorOf(c: ComplaintView, e: ComplaintView["timeline"][number], m: PageContext["m"]) {
  const role = <span class="role">{roleLabel(m, e.role)}</span>;
  if (e.organisationId === c.complainantId) return <>{m.complainant}, {role}</>;
  if (e.organisationId === c.respondentId) return <>{m.appellant}, {role}</>;
  return role;
}
