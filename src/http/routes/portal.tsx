import { readFileSync } from "node:fs";
import path from "node:path";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { Hono } from "hono";
import { csrfMatches, SESSION_COOKIE, SESSION_TTL_MS, signIn, signOut, type Session } from "../../accounts/sessions";
import { ImprintError } from "../../core/errors";
import { can } from "../../use-cases/permissions";
import { listOriginalsUseCase } from "../../use-cases/originals";
import { linksFrom } from "../../use-cases/links";
import { MAY_SEARCH, searchUseCase } from "../../use-cases/search";
import { alertMatchPictureUseCase, searchHitMatchPictureUseCase } from "../../use-cases/match-pictures";
import {
  appealComplaintUseCase,
  complaintDraftUseCase,
  decideComplaintUseCase,
  fileComplaintUseCase,
  getComplaintUseCase,
  listComplaintsUseCase,
  OPEN_STATUSES,
  withdrawComplaintUseCase,
} from "../../use-cases/complaints";
import { ComplaintPage, ComplaintsPage, NewComplaintPage } from "../../web/portal/pages/complaints";
import { MAX_STATEMENT, readComplaintForm } from "../complaint-form";
import { builtOnce, bundleForBrowser } from "../../web/bundle";
import type { PageContext } from "../../web/portal/layout";
import { languageOf, MESSAGES } from "../../web/portal/messages";
import { OriginalsPage } from "../../web/portal/pages/originals";
import { SearchPage } from "../../web/portal/pages/search";
import { SignInPage } from "../../web/portal/pages/sign-in";
import { ErrorPage } from "../../web/portal/pages/error";
import { SearchHistoryPage } from "../../web/portal/pages/search-history";
import { ALERT_TABS, AlertsPage, type AlertTab } from "../../web/portal/pages/alerts";
import { AuditPage, KeysPage, MembersPage, NewKeyPage } from "../../web/portal/pages/team";
import { listSearchRecordsUseCase, sealSearchRecordUseCase } from "../../use-cases/search-records";
import { listAlertsUseCase, setAlertStatusUseCase } from "../../use-cases/alerts";
import { addMemberUseCase, changeMemberRoleUseCase, listMembersUseCase, removeMemberUseCase } from "../../use-cases/members";
import { createKeyUseCase, listKeysUseCase, revokeKeyUseCase } from "../../use-cases/keys";
import { listAuditUseCase } from "../../use-cases/audit";
import { ALERT_STATUSES, type AlertStatus } from "../../watch/alerts";
import { ROLES, type Role } from "../../accounts/actor";
import type { AppDeps } from "../deps";
import { imageSourceOf } from "../image-form";
import { requireSession, type AuthEnv } from "../auth";
import { STATUS_OF } from "../error-status";

const PORTAL_DIR = path.join(__dirname, "../../web/portal");

/** Pages load their script and style from this server only; images also from blob: (previews). */
const PAGE_POLICY = "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The reader's page context: language (from `?lang=`, remembered), the signed-in actor, this page's path and query. */
function context(c: Context, session?: Session): PageContext {
  const query = c.req.query("lang");
  const language = languageOf(query, getCookie(c, "lang"), c.req.header("accept-language"));
  if (query === language) setCookie(c, "lang", language, { path: "/", sameSite: "Strict", maxAge: 365 * 86_400 });
  const kept = new URL(c.req.url).searchParams;
  kept.delete("lang");
  return { m: MESSAGES[language], language, actor: session?.actor, csrfToken: session?.csrfToken, path: c.req.path, query: kept.toString() };
}

/** A page, with the headers every portal page carries. */
function page(c: Context, html: string | Promise<string>, status: ContentfulStatusCode = 200) {
  c.header("content-security-policy", PAGE_POLICY);
  c.header("x-frame-options", "DENY");
  c.header("referrer-policy", "same-origin");
  c.header("cache-control", "no-store");
  return c.html(html, status);
}

/** Why the sign-in page is shown instead of the page asked for: said on it (`?ended=`), so a lost session is no mystery. */
const ENDED = ["signed-out", "session-ended"] as const satisfies readonly NonNullable<Parameters<typeof SignInPage>[0]["ended"]>[];
type Ended = (typeof ENDED)[number];

/**
 * Paths the service answers for programs, never with a page: an unknown one there stays the API's JSON 404.
 * Every other unknown GET a browser asks for (it accepts text/html) is a portal page that does not exist.
 */
const NOT_PAGES = /^\/(v1\/|openapi\.json$|metrics$|healthz$|readyz$|\.well-known\/)/;

/** The portal's 404 page for an unknown address a browser asks for, or null to leave the answer to the API's JSON. */
export function portalNotFound(deps: AppDeps) {
  return async (c: Context): Promise<Response | null> => {
    if (c.req.method !== "GET" || !(c.req.header("accept") ?? "").includes("text/html") || NOT_PAGES.test(c.req.path)) return null;
    // The reader's nav if they are signed in; the page never asks them to sign in for an address that is not there.
    const session = await requireSession(c, deps.db).catch(() => null);
    const ctx = context(c, session ?? undefined);
    return page(c, <ErrorPage ctx={ctx} status={404} code="not_found" message={ctx.m.noSuchPage} />, 404);
  };
}

/**
 * What a refused complaint or appeal form held, read again (Hono keeps the parsed body) to fill the form back in;
 * bounded like the form's own reading, and empty when the body could not be parsed at all.
 */
async function typedFields(c: Context) {
  const body: Record<string, unknown> = await c.req.parseBody({ all: true }).catch(() => ({}));
  const texts = (name: string) => [body[name]].flat().filter((v): v is string => typeof v === "string");
  return {
    text: (name: string, max: number) => (texts(name)[0] ?? "").trim().slice(0, max),
    ids: (name: string) => texts(name).flatMap((v) => v.split(",")).map((id) => id.trim()).filter(Boolean).slice(0, 20).map((id) => id.slice(0, 100)),
  };
}

/**
 * A refusal that the filer can correct in the form (a wrong id, an attachment that is not a PDF): the form comes back.
 * Anything else (a role that may not file, a form without its CSRF token, a fault) is the error page's.
 */
function correctable(error: unknown): ImprintError | null {
  return error instanceof ImprintError && error.code !== "forbidden" && error.code !== "unauthorized" ? error : null;
}

/**
 * The seller portal, server-rendered (Hono JSX) with one small script: sign-in with an API key into a session
 * cookie, and pages over the same use cases as the API. State-changing forms carry the session's CSRF token.
 */
export function portalRoutes(deps: AppDeps) {
  const { db } = deps;
  const app = new Hono<AuthEnv>();
  const script = builtOnce(() => bundleForBrowser(path.join(PORTAL_DIR, "client/app.ts")));
  const style = readFileSync(path.join(PORTAL_DIR, "style.css"));

  // Links and cookies follow the configured base (src/config.ts), never the request's Host header.
  const secure = new URL(deps.config.PUBLIC_BASE_URL).protocol === "https:";
  /**
   * The session of a page request, or a redirect to sign in. Its actor is the request's (the audit log's too). A
   * cookie that opens no session (its key revoked, or expired) is dropped, and the sign-in page says the session ended.
   */
  const withSession = async (c: Context<AuthEnv>, render: (session: Session) => Promise<Response>) => {
    const session = await requireSession(c, db).catch(() => null);
    if (!session) {
      if (!getCookie(c, SESSION_COOKIE)) return c.redirect("/sign-in", 303);
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      return c.redirect(`/sign-in?ended=${"session-ended" satisfies Ended}`, 303);
    }
    c.set("actor", session.actor);
    c.set("session", session);
    return render(session);
  };
  /** A form post must carry the session's CSRF token. */
  const checkCsrf = (session: Session, form: Record<string, unknown>) => {
    if (!csrfMatches(session, typeof form._csrf === "string" ? form._csrf : undefined)) {
      throw new ImprintError("forbidden", "this form needs the page's CSRF token: reload the page");
    }
  };
  /**
   * A complaint or appeal form the use case refused: a refusal the filer can correct comes back with what they typed
   * (once the CSRF token it carried is checked); any other error is thrown on to the error page.
   */
  const refusedForm = async (c: Context, session: Session, error: unknown) => {
    const refusal = correctable(error);
    if (!refusal) throw error;
    const typed = await typedFields(c);
    checkCsrf(session, { _csrf: typed.text("_csrf", 200) });
    return { refusal, typed };
  };

  app.get("/portal/style.css", (c) => c.body(new Uint8Array(style), 200, { "content-type": "text/css; charset=utf-8", "cache-control": "no-cache" }));
  app.get("/portal/app.js", async (c) => c.body(await script(), 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" }));

  // Each role lands on its first page: sellers on their originals, reviewers on their queue, others on /verify.
  const home = (session: Session) => (can(session.actor, "ip-centre") ? "/originals" : can(session.actor, "review") ? "/complaints" : "/verify");
  app.get("/", (c) => withSession(c, async (session) => c.redirect(home(session), 303)));
  app.get("/sign-in", (c) => page(c, <SignInPage ctx={context(c)} ended={ENDED.find((e) => e === c.req.query("ended"))} />));
  app.post("/sign-in", async (c) => {
    const form = await c.req.parseBody();
    const signedIn = typeof form.key === "string" ? await signIn(db, form.key.trim()) : null;
    if (!signedIn) return page(c, <SignInPage ctx={context(c)} failed />, 401);
    c.set("actor", signedIn.session.actor);
    setCookie(c, SESSION_COOKIE, signedIn.sessionId, { path: "/", httpOnly: true, sameSite: "Strict", secure, maxAge: SESSION_TTL_MS / 1000 });
    return c.redirect("/", 303);
  });
  app.post("/sign-out", (c) =>
    withSession(c, async (session) => {
      checkCsrf(session, await c.req.parseBody());
      await signOut(db, getCookie(c, SESSION_COOKIE)!);
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      return c.redirect(`/sign-in?ended=${"signed-out" satisfies Ended}`, 303);
    }),
  );

  app.get("/originals", (c) =>
    withSession(c, async (session) => {
      const ctx = context(c, session);
      const listing = await listOriginalsUseCase(deps, session.actor, { limit: 24, cursor: c.req.query("cursor") });
      return page(c, <OriginalsPage ctx={ctx} items={listing.items} nextCursor={listing.nextCursor} />);
    }),
  );

  const defaults = { scope: "all", threshold: 85 };
  // The form is offered only to those whose search searchUseCase would run (the search itself is refused anyway).
  app.get("/search", (c) =>
    withSession(c, async (session) => {
      const ctx = context(c, session);
      if (!MAY_SEARCH.some((p) => can(session.actor, p))) throw new ImprintError("forbidden", ctx.m.forbidden);
      return page(c, <SearchPage ctx={ctx} form={defaults} />);
    }),
  );
  app.post("/search", (c) =>
    withSession(c, async (session) => {
      const ctx = context(c, session);
      const form = await c.req.parseBody();
      checkCsrf(session, form);
      const text = (name: string) => (typeof form[name] === "string" ? (form[name] as string).trim() : "");
      const scope = ["all", "recent", "originals"].includes(text("scope")) ? (text("scope") as "all" | "recent" | "originals") : "all";
      const threshold = /^\d{1,3}$/.test(text("threshold")) ? Math.min(100, Number(text("threshold"))) : 85;
      const category = text("category") || undefined;
      const hasFile = form.image instanceof Blob && form.image.size > 0;
      const result = await searchUseCase(deps, session.actor, {
        image: await imageSourceOf({ image: hasFile ? form.image : undefined, url: text("url") }),
        scope,
        threshold,
        category,
        limit: 5,
      }, linksFrom(deps.config.PUBLIC_BASE_URL));
      return page(c, <SearchPage ctx={ctx} form={{ scope, threshold, category }} result={result} />);
    }),
  );
  // A result card's "compare": the hit's match picture, on the session (the API's matchUrl wants a key).
  app.get("/searches/:id/hits/:index/match.png", (c) =>
    withSession(c, async (session) => {
      const index = c.req.param("index");
      if (!/^\d{1,4}$/.test(index)) throw new ImprintError("invalid_request", "the hit index is a number");
      const png = await searchHitMatchPictureUseCase(deps, session.actor, c.req.param("id"), Number(index));
      return c.body(new Uint8Array(png), 200, { "content-type": "image/png", "cache-control": "private, max-age=86400" });
    }),
  );

  // Search history: the organisation's records, sealed as receipts on request.
  app.get("/searches", (c) =>
    withSession(c, async (session) => {
      const listing = await listSearchRecordsUseCase(deps, session.actor, { limit: 20, cursor: c.req.query("cursor") });
      return page(c, <SearchHistoryPage ctx={context(c, session)} items={listing.items} nextCursor={listing.nextCursor} keptDays={deps.config.SEARCH_RECORD_DAYS} />);
    }),
  );
  app.post("/searches/:id/seal", (c) =>
    withSession(c, async (session) => {
      checkCsrf(session, await c.req.parseBody());
      await sealSearchRecordUseCase(deps, session.actor, c.req.param("id"));
      return c.redirect(`/searches#${c.req.param("id")}`, 303);
    }),
  );

  // Alerts: the watch inbox, by status.
  const alertTab = (value: unknown): AlertTab => ALERT_TABS.find((t) => t === value) ?? "new";
  app.get("/alerts", (c) =>
    withSession(c, async (session) => {
      const tab = alertTab(c.req.query("status"));
      const status = tab === "all" ? undefined : tab;
      const listing = await listAlertsUseCase(deps, session.actor, { status, limit: 20, cursor: c.req.query("cursor") }, linksFrom(deps.config.PUBLIC_BASE_URL));
      return page(c, <AlertsPage ctx={context(c, session)} tab={tab} items={listing.items} nextCursor={listing.nextCursor} />);
    }),
  );
  // An alert's "compare": its match picture, on the session.
  app.get("/alerts/:id/match.png", (c) =>
    withSession(c, async (session) => {
      const png = await alertMatchPictureUseCase(deps, session.actor, c.req.param("id"));
      return c.body(new Uint8Array(png), 200, { "content-type": "image/png", "cache-control": "private, max-age=86400" });
    }),
  );
  app.post("/alerts/:id/status", (c) =>
    withSession(c, async (session) => {
      const form = await c.req.parseBody();
      checkCsrf(session, form);
      const status = ALERT_STATUSES.find((s) => s === form.status) as AlertStatus | undefined;
      if (!status) throw new ImprintError("invalid_request", `status must be one of ${ALERT_STATUSES.join(", ")}`);
      await setAlertStatusUseCase(deps, session.actor, c.req.param("id"), status, linksFrom(deps.config.PUBLIC_BASE_URL));
      return c.redirect(`/alerts?status=${alertTab(form.tab)}`, 303);
    }),
  );

  // The team: the owner's pages. The use cases would also serve the operator the platform's members and keys, but
  // the portal offers the operator no team page (its reviewers are added through the API), so it is refused here.
  const withTeam = (c: Context<AuthEnv>, render: (session: Session) => Promise<Response>) =>
    withSession(c, async (session) => {
      if (!can(session.actor, "organisation")) throw new ImprintError("forbidden", context(c, session).m.forbidden);
      return render(session);
    });
  const roleOf = (value: unknown): Role => {
    const role = ROLES.find((r) => r === value);
    if (!role) throw new ImprintError("invalid_request", "choose a role");
    return role;
  };
  app.get("/team", (c) => withTeam(c, async (session) => page(c, <MembersPage ctx={context(c, session)} members={await listMembersUseCase(deps, session.actor)} />)));
  app.post("/team/members", (c) =>
    withTeam(c, async (session) => {
      const form = await c.req.parseBody();
      checkCsrf(session, form);
      const name = typeof form.name === "string" ? form.name.trim() : "";
      if (!name || name.length > 200) throw new ImprintError("invalid_request", "a member needs a name of at most 200 characters");
      const added = await addMemberUseCase(deps, session.actor, { name, role: roleOf(form.role) });
      const ctx = context(c, session);
      return page(c, <NewKeyPage ctx={ctx} title={ctx.m.memberAdded} holder={added.name} apiKey={added.apiKey} />);
    }),
  );
  app.post("/team/members/:id/role", (c) =>
    withTeam(c, async (session) => {
      const form = await c.req.parseBody();
      checkCsrf(session, form);
      await changeMemberRoleUseCase(deps, session.actor, c.req.param("id"), roleOf(form.role));
      return c.redirect("/team", 303);
    }),
  );
  app.post("/team/members/:id/remove", (c) =>
    withTeam(c, async (session) => {
      checkCsrf(session, await c.req.parseBody());
      await removeMemberUseCase(deps, session.actor, c.req.param("id"));
      return c.redirect("/team", 303);
    }),
  );
  app.get("/team/keys", (c) => withTeam(c, async (session) => page(c, <KeysPage ctx={context(c, session)} keys={await listKeysUseCase(deps, session.actor)} />)));
  app.post("/team/keys", (c) =>
    withTeam(c, async (session) => {
      const form = await c.req.parseBody();
      checkCsrf(session, form);
      const memberId = typeof form.memberId === "string" && form.memberId.length <= 100 ? form.memberId : undefined;
      const issued = await createKeyUseCase(deps, session.actor, { memberId });
      const ctx = context(c, session);
      return page(c, <NewKeyPage ctx={ctx} title={ctx.m.keyCreated} holder={issued.memberName} apiKey={issued.apiKey} />);
    }),
  );
  app.post("/team/keys/:id/revoke", (c) =>
    withTeam(c, async (session) => {
      checkCsrf(session, await c.req.parseBody());
      const id = c.req.param("id");
      if (!/^[1-9]\d{0,9}$/.test(id)) throw new ImprintError("invalid_request", "a key id is a positive integer");
      await revokeKeyUseCase(deps, session.actor, Number(id));
      return c.redirect("/team/keys", 303);
    }),
  );
  app.get("/team/audit", (c) =>
    withTeam(c, async (session) => {
      const log = await listAuditUseCase(deps, session.actor, { limit: 50, cursor: c.req.query("cursor") });
      return page(c, <AuditPage ctx={context(c, session)} items={log.items} nextCursor={log.nextCursor} />);
    }),
  );

  const complaintTabs = (session: Session) => [
    ...(can(session.actor, "ip-centre") ? (["filed", "received"] as const) : []),
    ...(can(session.actor, "review") ? (["queue"] as const) : []),
  ];
  app.get("/complaints", (c) =>
    withSession(c, async (session) => {
      const tabs = complaintTabs(session);
      const tab = tabs.find((t) => t === c.req.query("tab")) ?? tabs[0];
      if (!tab) throw new ImprintError("forbidden", context(c, session).m.forbidden);
      const page_ = await listComplaintsUseCase(deps, session.actor, tab === "queue" ? { status: OPEN_STATUSES, limit: 50 } : { side: tab, limit: 50 });
      return page(c, <ComplaintsPage ctx={context(c, session)} tab={tab} tabs={[...tabs]} items={page_.items} />);
    }),
  );
  app.get("/complaints/new", (c) =>
    withSession(c, async (session) => {
      const listingId = c.req.query("listingId")?.trim() ?? "";
      // From a search hit the listing is known: the form then offers the originals the index finds in it.
      const draft = await complaintDraftUseCase(deps, session.actor, listingId || undefined);
      const alertId = c.req.query("alertId")?.trim() || undefined;
      const originalIds = (c.req.query("originalIds") ?? "").split(",").map((id) => id.trim()).filter(Boolean);
      return page(c, <NewComplaintPage ctx={context(c, session)} typed={{ listingId, originalIds, statement: "", alertId }} draft={draft ?? undefined} />);
    }),
  );
  // A refused filing comes back as the form, with what was typed and the refusal above it (the files excepted).
  app.post("/complaints", (c) =>
    withSession(c, async (session) => {
      try {
        const form = await readComplaintForm(c);
        checkCsrf(session, { _csrf: form.text("_csrf", 200) });
        const filed = await fileComplaintUseCase(deps, session.actor, {
          listingId: form.text("listingId", 100)!,
          originalIds: form.ids("originalIds"),
          // From an alert's link: the complaint records the alert (the use case checks it is the organisation's).
          alertId: form.optionalId("alertId"),
          statement: form.text("statement", MAX_STATEMENT)!,
          attachments: (await form.files()).filter((f) => f.bytes.length > 0),
        });
        return c.redirect(`/complaints/${filed.id}`, 303);
      } catch (error) {
        const { refusal, typed } = await refusedForm(c, session, error);
        const listingId = typed.text("listingId", 100);
        // The listing's card and its offered originals again, when the listing is one the filer may see.
        const draft = listingId ? await complaintDraftUseCase(deps, session.actor, listingId).catch((e: unknown) => (correctable(e) ? null : Promise.reject(e))) : null;
        const alertId = typed.text("alertId", 100) || undefined;
        const values = { listingId, originalIds: typed.ids("originalIds"), statement: typed.text("statement", MAX_STATEMENT), alertId };
        return page(c, <NewComplaintPage ctx={context(c, session)} typed={values} draft={draft ?? undefined} refusal={refusal} />, STATUS_OF[refusal.code]);
      }
    }),
  );
  app.get("/complaints/:id", (c) =>
    withSession(c, async (session) => {
      const complaint = await getComplaintUseCase(deps, session.actor, c.req.param("id"));
      return page(c, <ComplaintPage ctx={context(c, session)} c={complaint} side={complaint.viewerSide} />);
    }),
  );
  app.post("/complaints/:id/withdraw", (c) =>
    withSession(c, async (session) => {
      checkCsrf(session, await c.req.parseBody());
      await withdrawComplaintUseCase(deps, session.actor, c.req.param("id"));
      return c.redirect(`/complaints/${c.req.param("id")}`, 303);
    }),
  );
  // A refused appeal comes back as the complaint's page, its appeal form holding what was typed and the refusal.
  app.post("/complaints/:id/appeal", (c) =>
    withSession(c, async (session) => {
      try {
        const form = await readComplaintForm(c);
        checkCsrf(session, { _csrf: form.text("_csrf", 200) });
        await appealComplaintUseCase(deps, session.actor, c.req.param("id"), {
          statement: form.text("statement", MAX_STATEMENT)!,
          originalIds: form.ids("originalIds"),
          attachments: (await form.files()).filter((f) => f.bytes.length > 0),
        });
        return c.redirect(`/complaints/${c.req.param("id")}`, 303);
      } catch (error) {
        const { refusal, typed } = await refusedForm(c, session, error);
        // A complaint the appellant may not see is refused here as on its page.
        const complaint = await getComplaintUseCase(deps, session.actor, c.req.param("id"));
        const appeal = { typed: { statement: typed.text("statement", MAX_STATEMENT), originalIds: typed.ids("originalIds") }, refusal };
        return page(c, <ComplaintPage ctx={context(c, session)} c={complaint} side={complaint.viewerSide} appeal={appeal} />, STATUS_OF[refusal.code]);
      }
    }),
  );
  app.post("/complaints/:id/decision", (c) =>
    withSession(c, async (session) => {
      const form = await c.req.parseBody();
      checkCsrf(session, form);
      const outcome = form.outcome === "upheld" || form.outcome === "rejected" ? form.outcome : undefined;
      const reason = typeof form.reason === "string" ? form.reason.trim() : "";
      if (!outcome || !reason) throw new ImprintError("invalid_request", "choose an outcome and give a reason");
      await decideComplaintUseCase(deps, session.actor, c.req.param("id"), { outcome, reason: reason.slice(0, MAX_STATEMENT) });
      return c.redirect(`/complaints/${c.req.param("id")}`, 303);
    }),
  );

  // A refusal inside a page (a forbidden role, a bad image) is shown on a page, not as JSON: the layout's, in the
  // reader's language, with the nav of the signed-in actor (withSession keeps the session on the request).
  app.onError((error, c) => {
    if (!(error instanceof ImprintError)) throw error;
    const status = STATUS_OF[error.code];
    return page(c, <ErrorPage ctx={context(c, c.get("session"))} status={status} code={error.code} message={error.message} />, status);
  });
  return app;
}
