import type { Child } from "hono/jsx";
import type { Role } from "../../../accounts/actor";
import type { KeyView } from "../../../accounts/api-keys";
import type { MemberView } from "../../../accounts/members";
import type { AuditView } from "../../../audit/audit-log";
import { memberRoles } from "../../../use-cases/permissions";
import { Layout, Time, type PageContext } from "../layout";
import { auditActionPhrase } from "../audit-actions";
import { roleLabel } from "../messages";
import { explainRefusal } from "../refusals";

type TeamTab = "members" | "keys" | "auditLog";
const TAB_PATH: Record<TeamTab, string> = { members: "/team", keys: "/team/keys", auditLog: "/team/audit" };

/** The team pages share a title and their tabs. */
function TeamLayout({ ctx, tab, children }: { ctx: PageContext; tab: TeamTab; children: Child }) {
  const { m } = ctx;
  return (
    <Layout ctx={ctx} title={m.team}>
      <nav class="tabs" aria-label={m.team}>
        {(Object.keys(TAB_PATH) as TeamTab[]).map((t) => (
          <a href={TAB_PATH[t]} aria-current={t === tab ? "page" : undefined}>
            {m[t]}
          </a>
        ))}
      </nav>
      {children}
    </Layout>
  );
}

function Csrf({ ctx }: { ctx: PageContext }) {
  return <input type="hidden" name="_csrf" value={ctx.csrfToken} />;
}

/** Members: add one with a role (their key is shown once), change a role, remove, issue another key. */
export function MembersPage({ ctx, members }: { ctx: PageContext; members: MemberView[] }) {
  const { m, actor } = ctx;
  const roles = memberRoles(actor!).assignable;
  return (
    <TeamLayout ctx={ctx} tab="members">
      <form method="post" action="/team/members" class="card" id="add-member">
        <h2>{m.addMember}</h2>
        <Csrf ctx={ctx} />
        <div class="fields">
          <label>
            {m.name}
            <input name="name" required maxlength={200} />
          </label>
          <label>
            {m.role}
            <select name="role">
              {roles.map((r) => (
                <option value={r} selected={r === "member"}>
                  {roleLabel(m, r)}
                </option>
              ))}
            </select>
          </label>
        </div>
        <button type="submit">{m.add}</button>
      </form>
      <table class="rows members">
        <caption class="visually-hidden">{m.members}</caption>
        <thead>
          <tr>
            <th scope="col">{m.name}</th>
            <th scope="col">{m.role}</th>
            <th scope="col">{m.createdAt}</th>
            <th scope="col">{m.status}</th>
            <th scope="col">{m.action}</th>
          </tr>
        </thead>
        <tbody>
          {members.map((member) => {
            const self = member.memberId === actor!.memberId;
            return (
              <tr data-id={member.memberId}>
                <td data-label={m.name}>
                  <strong>{member.name}</strong> {self ? <span class="small">({m.you})</span> : null}
                  <div class="small mono">{member.memberId}</div>
                </td>
                <td data-label={m.role}>{roleLabel(m, member.role)}</td>
                <td data-label={m.createdAt}>
                  <Time iso={member.createdAt} m={m} />
                </td>
                <td data-label={m.status}>{member.removedAt ? <span class="badge">{m.removed}</span> : <span class="badge anchored">{m.active}</span>}</td>
                <td data-label={m.action}>
                  {member.removedAt ? null : (
                    <div class="row-actions">
                      {self ? null : (
                        <form method="post" action={`/team/members/${member.memberId}/role`} class="inline">
                          <Csrf ctx={ctx} />
                          <select name="role" aria-label={`${m.role}: ${member.name}`}>
                            {roles.map((r) => (
                              <option value={r} selected={r === member.role}>
                                {roleLabel(m, r)}
                              </option>
                            ))}
                          </select>
                          <button type="submit" class="secondary">
                            {m.changeRole}
                          </button>
                        </form>
                      )}
                      <form method="post" action="/team/keys" class="inline">
                        <Csrf ctx={ctx} />
                        <input type="hidden" name="memberId" value={member.memberId} />
                        <button type="submit" class="secondary" aria-label={`${m.newKey}: ${member.name}`}>
                          {m.newKey}
                        </button>
                      </form>
                      {self ? null : (
                        <form method="post" action={`/team/members/${member.memberId}/remove`} class="inline">
                          <Csrf ctx={ctx} />
                          <button type="submit" class="danger" aria-label={`${m.remove}: ${member.name}`}>
                            {m.remove}
                          </button>
                        </form>
                      )}
                    </div>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TeamLayout>
  );
}

/** Keys: prefixes only (the keys themselves are never stored), revoke; the session's own key is not offered. */
export function KeysPage({ ctx, keys }: { ctx: PageContext; keys: KeyView[] }) {
  const { m, actor } = ctx;
  return (
    <TeamLayout ctx={ctx} tab="keys">
      <table class="rows keys">
        <caption class="visually-hidden">{m.keys}</caption>
        <thead>
          <tr>
            <th scope="col">{m.prefix}</th>
            <th scope="col">{m.member}</th>
            <th scope="col">{m.createdAt}</th>
            <th scope="col">{m.lastUsed}</th>
            <th scope="col">{m.status}</th>
            <th scope="col">{m.action}</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => {
            const own = k.prefix !== null && k.prefix === actor!.keyPrefix;
            return (
              <tr data-id={String(k.id)} data-prefix={k.prefix ?? ""}>
                <td data-label={m.prefix} class="mono">
                  {k.prefix ? `${k.prefix}…` : "—"} {own ? <span class="small">({m.thisSession})</span> : null}
                </td>
                <td data-label={m.member}>
                  {k.memberName} <span class="small">({roleLabel(m, k.role)})</span>
                </td>
                <td data-label={m.createdAt}>
                  <Time iso={k.createdAt} m={m} />
                </td>
                <td data-label={m.lastUsed}>{k.lastUsedAt ? <Time iso={k.lastUsedAt} m={m} /> : m.never}</td>
                <td data-label={m.status}>{k.revokedAt ? <span class="badge">{m.revoked}</span> : <span class="badge anchored">{m.active}</span>}</td>
                <td data-label={m.action}>
                  {k.revokedAt || own ? null : (
                    <form method="post" action={`/team/keys/${k.id}/revoke`} class="inline">
                      <Csrf ctx={ctx} />
                      <button type="submit" class="danger" aria-label={`${m.revoke}: ${k.prefix ?? k.id}`}>
                        {m.revoke}
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TeamLayout>
  );
}

/** A key just issued: the one time it is shown. */
export function NewKeyPage({ ctx, title, holder, apiKey }: { ctx: PageContext; title: string; holder: string; apiKey: string }) {
  const { m } = ctx;
  return (
    <TeamLayout ctx={ctx} tab="members">
      <section class="card" aria-labelledby="new-key-title">
        <h2 id="new-key-title">
          {title}: {holder}
        </h2>
        <p role="status">{m.keyShownOnce}</p>
        <p>
          <code id="new-key" class="mono secret">
            {apiKey}
          </code>
        </p>
        <a class="button secondary" href="/team">
          {m.backToTeam}
        </a>
      </section>
    </TeamLayout>
  );
}

/** What was done, in words when the portal knows the action, and always as recorded (method and route pattern). */
function AuditAction({ ctx, action }: { ctx: PageContext; action: string }) {
  const phrase = auditActionPhrase(ctx.language, action);
  return (
    <>
      {phrase ? <span class="phrase">{phrase}</span> : null}
      <span class={phrase ? "route small mono" : "route mono"}>{action}</span>
    </>
  );
}

/**
 * Done or refused, in words; a refusal with its code as recorded (and, on a Chinese page, what the code means). The
 * HTTP status is for integrators, not for an owner reading the log: it is kept on the cell (`data-status`), not shown.
 */
function AuditOutcome({ ctx, outcome }: { ctx: PageContext; outcome: AuditView["outcome"] }) {
  const { m } = ctx;
  const explained = explainRefusal(ctx.language, outcome.code);
  return (
    <>
      <span class="verdict">{outcome.status < 400 ? m.auditDone : m.auditRefused}</span>
      {outcome.code ? <span class="small mono code"> {outcome.code}</span> : null}
      {explained ? <span class="small explained">{explained}</span> : null}
    </>
  );
}

/** The audit log, newest first: every state-changing request of the organisation's members, refusals too. */
export function AuditPage({ ctx, items, nextCursor }: { ctx: PageContext; items: AuditView[]; nextCursor: string | null }) {
  const { m } = ctx;
  return (
    <TeamLayout ctx={ctx} tab="auditLog">
      {items.length === 0 ? <p>{m.noAudit}</p> : null}
      <table class="rows audit">
        <caption class="visually-hidden">{m.auditLog}</caption>
        <thead>
          <tr>
            <th scope="col">{m.time}</th>
            <th scope="col">{m.member}</th>
            <th scope="col">{m.action}</th>
            <th scope="col">{m.target}</th>
            <th scope="col">{m.outcome}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr data-id={e.id}>
              <td data-label={m.time}>
                <Time iso={e.at} m={m} />
              </td>
              <td data-label={m.member}>
                {e.memberName} <span class="small mono">({e.keyPrefix}…)</span>
              </td>
              <td data-label={m.action} class="action">
                <AuditAction ctx={ctx} action={e.action} />
              </td>
              <td data-label={m.target} class="mono">
                {e.target ?? "—"}
                {e.targetKeyPrefix ? <span class="small"> ({e.targetKeyPrefix}…)</span> : null}
              </td>
              <td data-label={m.outcome} class="outcome" data-status={String(e.outcome.status)}>
                <AuditOutcome ctx={ctx} outcome={e.outcome} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {nextCursor ? (
        <a class="button secondary" href={`/team/audit?cursor=${encodeURIComponent(nextCursor)}`}>
          {m.more}
        </a>
      ) : null}
    </TeamLayout>
  );
}
