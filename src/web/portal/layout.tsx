import type { Child } from "hono/jsx";
import type { Actor } from "../../accounts/actor";
import { can, type Permission } from "../../use-cases/permissions";
import { MAY_SEARCH } from "../../use-cases/search";
import type { Language, Messages } from "./messages";

export interface PageContext {
  m: Messages;
  language: Language;
  /** Absent on pages for people who are not signed in. */
  actor?: Actor;
  csrfToken?: string;
  /** The path of this page, for the current nav item. */
  path: string;
  /** This page's query without `lang`: the language switch keeps it (a listing chosen, a filter, a tab). */
  query: string;
}

/** This page in `language`, its query kept. */
function inLanguage(ctx: PageContext, language: Language): string {
  return `${ctx.path}?${ctx.query ? `${ctx.query}&` : ""}lang=${language}`;
}

/** Nav items and the permission each needs: what a role may not do is not offered. */
const NAV: { path: string; label: keyof Messages; needs?: Permission | Permission[] }[] = [
  { path: "/originals", label: "originals", needs: "ip-centre" },
  { path: "/search", label: "search", needs: [...MAY_SEARCH] },
  { path: "/complaints", label: "complaints", needs: ["ip-centre", "review"] },
  { path: "/searches", label: "searchHistory", needs: "ip-centre" },
  { path: "/alerts", label: "alerts", needs: "ip-centre" },
  { path: "/team", label: "team", needs: "organisation" },
  { path: "/verify", label: "verify" },
  { path: "/docs", label: "apiDocs" },
];

export function Layout({ ctx, title, children }: { ctx: PageContext; title: string; children: Child }) {
  const { m, actor } = ctx;
  const otherLanguage = ctx.language === "en" ? "zh" : "en";
  return (
    <html lang={ctx.language === "zh" ? "zh-CN" : "en"}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {ctx.csrfToken ? <meta name="csrf-token" content={ctx.csrfToken} /> : null}
        <title>{`${title} · ${m.appName}`}</title>
        {/* No icon: without this line every page asks for /favicon.ico and logs a 404. */}
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/portal/style.css" />
        <script src="/portal/app.js" defer></script>
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">
            {m.appName}
          </a>
          <nav aria-label="main">
            {NAV.filter((item) => !item.needs || (actor && [item.needs].flat().some((p) => can(actor, p)))).map((item) => (
              // The verifier is a page of its own that cannot see the portal's cookie: it is told the language.
              <a href={item.path === "/verify" ? `/verify?lang=${ctx.language}` : item.path} aria-current={ctx.path === item.path ? "page" : undefined}>
                {m[item.label]}
              </a>
            ))}
          </nav>
          <div class="session">
            <a href={inLanguage(ctx, otherLanguage)} hreflang={otherLanguage === "zh" ? "zh-CN" : "en"}>
              {m.language}
            </a>
            {actor ? (
              <form method="post" action="/sign-out">
                <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                <button type="submit" class="link">
                  {m.signOut}
                </button>
              </form>
            ) : null}
          </div>
        </header>
        <main>
          <h1>{title}</h1>
          {children}
        </main>
      </body>
    </html>
  );
}

/** A time shown in UTC, and in the reader's zone once the page script has run (it reads `datetime`). */
export function Time({ iso, m }: { iso: string; m: Messages }) {
  return (
    <span class="time">
      <time datetime={iso}>{iso.replace("T", " ").replace(/\.\d+Z$/, "")}</time> {m.utc}
      <span class="local" data-local-of={iso}></span>
    </span>
  );
}
