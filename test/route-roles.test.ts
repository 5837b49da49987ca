/**
 * Every route × every role × (own | other organisation): the status each cell answers, on both databases.
 *
 * The seller roles (owner, ip-manager, member) belong to organisation A; "own" is a row of A, "other" a row of B.
 * The platform roles (admin, reviewer) belong to the platform: for members and keys "own" is the platform's, for
 * originals and listings (the platform has none) both columns are a seller's row. `none` sends no key.
 *
 * Portal pages (`via: "session"`) are requested with the role's session cookie (signed in with its key) instead
 * of a bearer key; `none` has no cookie.
 *
 * A cell is one status when the route has no target row (or answers the same for both), else [own, other].
 * To add a route: add a row to ROUTES (a test fails until every route the app serves has one).
 */
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionOf, SESSION_COOKIE } from "../src/accounts/sessions";
import { engines } from "./helpers/databases";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";

const WHO = ["owner", "ip-manager", "member", "admin", "reviewer", "none"] as const;
type Who = (typeof WHO)[number];
type Scope = "own" | "other";
type Cell = number | readonly [own: number, other: number];

interface Org {
  /** The platform is "P". */
  name: "A" | "B" | "P";
  keys: Partial<Record<Who, string>>;
  memberIds: Partial<Record<Who, string>>;
  originalId: string;
  listingId: string;
  imageId: string;
}

interface Fixtures {
  svc: TestService;
  A: Org;
  B: Org;
  P: Org;
  bundle: unknown;
  /** A fresh member of `org` (destructive cells each get their own). */
  freshMember(org: Org): Promise<string>;
  /** A fresh key of `org`. */
  freshKey(org: Org): Promise<number>;
  /** Image bytes no cell has registered yet. */
  freshImage(): Promise<Buffer>;
  /** A portal session signed in with `key`. */
  signIn(key: string): Promise<PortalSession>;
  sessions: Partial<Record<Who, PortalSession>>;
}

interface PortalSession {
  id: string;
  csrf: string;
}

interface Call {
  method: string;
  path: string;
  json?: unknown;
  form?: FormData;
  /** A session id to send instead of the caller's. */
  cookie?: string;
}

interface Target {
  org: Org;
  who: Who;
  /** The caller's API key (none: undefined). */
  key?: string;
  /** The caller's portal session, for `via: "session"` rows. */
  session?: PortalSession;
}

interface RouteRow {
  route: string;
  via?: "session";
  call(f: Fixtures, target: Target): Call | Promise<Call>;
  expect: Record<Who, Cell>;
}

const isPlatform = (who: Who) => who === "admin" || who === "reviewer";
const listingFields = { productId: "L-1", storeId: "S-1", storeCountry: "DE", category: "shoes" };
const formOf = (fields: Record<string, string | undefined>) => imageForm(null, Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<string, string>);
const everyone = (status: number): Record<Who, Cell> => ({ owner: status, "ip-manager": status, member: status, admin: status, reviewer: status, none: status });

/** The organisation a cell acts on: members and keys of the caller's own or another; seller data of A or B. */
function targetOrg(f: Fixtures, who: Who, scope: Scope, kind: "seller-data" | "organisation"): Org {
  if (kind === "organisation" && isPlatform(who)) return scope === "own" ? f.P : f.A;
  return scope === "own" ? f.A : f.B;
}

// prettier-ignore
const ROUTES: (RouteRow & { kind?: "seller-data" | "organisation" })[] = [
  // Operator
  { route: "POST /v1/accounts", call: () => ({ method: "POST", path: "/v1/accounts", json: { name: "Shop" } }),
    expect: { owner: 403, "ip-manager": 403, member: 403, admin: 201, reviewer: 403, none: 401 } },
  { route: "POST /v1/admin/reviewers", call: () => ({ method: "POST", path: "/v1/admin/reviewers", json: { name: "Rev" } }),
    expect: { owner: 403, "ip-manager": 403, member: 403, admin: 201, reviewer: 403, none: 401 } },
  { route: "POST /v1/admin/anchor", call: () => ({ method: "POST", path: "/v1/admin/anchor" }),
    expect: { owner: 403, "ip-manager": 403, member: 403, admin: 200, reviewer: 403, none: 401 } },

  // Members, keys, audit: the organisation's (the platform's for an admin)
  { route: "POST /v1/members", call: () => ({ method: "POST", path: "/v1/members", json: { name: "New", role: "member" } }),
    expect: { owner: 201, "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "GET /v1/members", call: () => ({ method: "GET", path: "/v1/members" }),
    expect: { owner: 200, "ip-manager": 403, member: 403, admin: 200, reviewer: 403, none: 401 } },
  { route: "PATCH /v1/members/:id", kind: "organisation",
    call: async (f, { org, who }) => ({ method: "PATCH", path: `/v1/members/${await f.freshMember(org)}`, json: { role: isPlatform(who) ? "reviewer" : "ip-manager" } }),
    expect: { owner: [200, 404], "ip-manager": 403, member: 403, admin: [200, 404], reviewer: 403, none: 401 } },
  { route: "DELETE /v1/members/:id", kind: "organisation",
    call: async (f, { org }) => ({ method: "DELETE", path: `/v1/members/${await f.freshMember(org)}` }),
    expect: { owner: [200, 404], "ip-manager": 403, member: 403, admin: [200, 404], reviewer: 403, none: 401 } },
  { route: "GET /v1/keys", call: () => ({ method: "GET", path: "/v1/keys" }),
    expect: { owner: 200, "ip-manager": 403, member: 403, admin: 200, reviewer: 403, none: 401 } },
  { route: "POST /v1/keys", kind: "organisation",
    call: async (f, { org }) => ({ method: "POST", path: "/v1/keys", json: { memberId: await f.freshMember(org) } }),
    expect: { owner: [201, 404], "ip-manager": 403, member: 403, admin: [201, 404], reviewer: 403, none: 401 } },
  { route: "DELETE /v1/keys/:id", kind: "organisation",
    call: async (f, { org }) => ({ method: "DELETE", path: `/v1/keys/${await f.freshKey(org)}` }),
    expect: { owner: [200, 404], "ip-manager": 403, member: 403, admin: [200, 404], reviewer: 403, none: 401 } },
  { route: "GET /v1/audit", call: () => ({ method: "GET", path: "/v1/audit" }),
    expect: { owner: 200, "ip-manager": 403, member: 403, admin: 200, reviewer: 403, none: 401 } },

  // The IP centre
  { route: "POST /v1/originals",
    call: async (f) => ({ method: "POST", path: "/v1/originals", form: imageForm(await f.freshImage(), { productId: "P-1", category: "shoes", storeCountry: "DE" }) }),
    expect: { owner: 201, "ip-manager": 201, member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "GET /v1/originals", call: () => ({ method: "GET", path: "/v1/originals" }),
    expect: { owner: 200, "ip-manager": 200, member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "GET /v1/originals/:id", kind: "seller-data", call: (_f, { org }) => ({ method: "GET", path: `/v1/originals/${org.originalId}` }),
    expect: { owner: [200, 404], "ip-manager": [200, 404], member: 403, admin: 200, reviewer: 403, none: 401 } },
  { route: "GET /v1/originals/:id/evidence", kind: "seller-data", call: (_f, { org }) => ({ method: "GET", path: `/v1/originals/${org.originalId}/evidence` }),
    expect: { owner: 200, "ip-manager": 200, member: 200, admin: 200, reviewer: 200, none: 401 } },
  { route: "GET /v1/originals/:id/certificate.pdf", kind: "seller-data", call: (_f, { org }) => ({ method: "GET", path: `/v1/originals/${org.originalId}/certificate.pdf` }),
    expect: { owner: 200, "ip-manager": 200, member: 200, admin: 200, reviewer: 200, none: 401 } },
  { route: "POST /v1/search",
    call: () => ({ method: "POST", path: "/v1/search", form: imageForm(fixture("aloe.webp"), {}, "q.webp") }),
    expect: { owner: 200, "ip-manager": 200, member: 403, admin: 200, reviewer: 403, none: 401 } },

  // The store
  { route: "POST /v1/listings", call: () => ({ method: "POST", path: "/v1/listings", form: imageForm(fixture("smarties.png"), listingFields, "l.png") }),
    expect: { owner: 201, "ip-manager": 201, member: 201, admin: 403, reviewer: 403, none: 401 } },
  { route: "GET /v1/listings/:id", kind: "seller-data", call: (_f, { org }) => ({ method: "GET", path: `/v1/listings/${org.listingId}` }),
    expect: { owner: [200, 404], "ip-manager": [200, 404], member: [200, 404], admin: 200, reviewer: 403, none: 401 } },
  { route: "POST /v1/listings/:id/delist", kind: "seller-data", call: (_f, { org }) => ({ method: "POST", path: `/v1/listings/${org.listingId}/delist` }),
    expect: { owner: [200, 404], "ip-manager": [200, 404], member: [200, 404], admin: 200, reviewer: 403, none: 401 } },

  // Complaints (the rows that need no complaint; those acting on one are in ROWS_OWED below)
  { route: "GET /v1/complaints", call: () => ({ method: "GET", path: "/v1/complaints" }),
    expect: { owner: 200, "ip-manager": 200, member: 403, admin: 200, reviewer: 200, none: 401 } },
  { route: "GET /v1/admin/complaints/stats", call: () => ({ method: "GET", path: "/v1/admin/complaints/stats" }),
    expect: { owner: 403, "ip-manager": 403, member: 403, admin: 200, reviewer: 200, none: 401 } },
  { route: "GET /complaints", via: "session", call: () => ({ method: "GET", path: "/complaints" }),
    expect: { owner: 200, "ip-manager": 200, member: 403, admin: 403, reviewer: 200, none: 303 } },
  { route: "GET /complaints/new", via: "session", call: () => ({ method: "GET", path: "/complaints/new" }),
    expect: { owner: 200, "ip-manager": 200, member: 200, admin: 200, reviewer: 200, none: 303 } },

  // Public
  { route: "GET /v1/images/:id/thumbnail", kind: "seller-data", call: (_f, { org }) => ({ method: "GET", path: `/v1/images/${org.imageId}/thumbnail` }), expect: everyone(200) },
  { route: "GET /v1/chain", call: () => ({ method: "GET", path: "/v1/chain" }), expect: everyone(200) },
  { route: "POST /v1/verify", call: (f) => ({ method: "POST", path: "/v1/verify", json: f.bundle }), expect: everyone(200) },
  { route: "GET /openapi.json", call: () => ({ method: "GET", path: "/openapi.json" }), expect: everyone(200) },
  { route: "GET /healthz", call: () => ({ method: "GET", path: "/healthz" }), expect: everyone(200) },
  { route: "GET /readyz", call: () => ({ method: "GET", path: "/readyz" }), expect: everyone(200) },
  { route: "GET /docs", call: () => ({ method: "GET", path: "/docs" }), expect: everyone(200) },
  { route: "GET /docs/init.js", call: () => ({ method: "GET", path: "/docs/init.js" }), expect: everyone(200) },
  { route: "GET /docs/swagger-ui.css", call: () => ({ method: "GET", path: "/docs/swagger-ui.css" }), expect: everyone(200) },
  { route: "GET /docs/swagger-ui-bundle.js", call: () => ({ method: "GET", path: "/docs/swagger-ui-bundle.js" }), expect: everyone(200) },
  { route: "GET /verify", call: () => ({ method: "GET", path: "/verify" }), expect: everyone(200) },
  { route: "GET /portal/style.css", call: () => ({ method: "GET", path: "/portal/style.css" }), expect: everyone(200) },
  { route: "GET /portal/app.js", call: () => ({ method: "GET", path: "/portal/app.js" }), expect: everyone(200) },

  // The portal: a session cookie instead of a key; pages without a session redirect to /sign-in
  { route: "GET /sign-in", via: "session", call: () => ({ method: "GET", path: "/sign-in" }), expect: everyone(200) },
  { route: "POST /sign-in", call: (_f, { key }) => ({ method: "POST", path: "/sign-in", form: formOf({ key }) }),
    expect: { owner: 303, "ip-manager": 303, member: 303, admin: 303, reviewer: 303, none: 401 } },
  { route: "GET /", via: "session", call: () => ({ method: "GET", path: "/" }), expect: everyone(303) },
  { route: "GET /originals", via: "session", call: () => ({ method: "GET", path: "/originals" }),
    expect: { owner: 200, "ip-manager": 200, member: 403, admin: 403, reviewer: 403, none: 303 } },
  { route: "GET /search", via: "session", call: () => ({ method: "GET", path: "/search" }),
    expect: { owner: 200, "ip-manager": 200, member: 200, admin: 200, reviewer: 200, none: 303 } },
  { route: "POST /search", via: "session",
    call: (_f, { session }) => ({ method: "POST", path: "/search", form: imageForm(fixture("aloe.webp"), session ? { _csrf: session.csrf } : {}, "q.webp") }),
    expect: { owner: 200, "ip-manager": 200, member: 403, admin: 200, reviewer: 403, none: 303 } },
  { route: "POST /sign-out", via: "session",
    // A session of its own: signing out ends it.
    call: async (f, { key }) => {
      const session = key ? await f.signIn(key) : undefined;
      return { method: "POST", path: "/sign-out", form: formOf({ _csrf: session?.csrf }), cookie: session?.id };
    },
    expect: everyone(303) },
];

/**
 * Routes merged from main after this table was written whose cells need a complaint in a given state per cell
 * (filed by A against B's listing, appealed, decided). Their rows are owed; a route in neither list fails the test.
 */
const ROWS_OWED = [
  "POST /v1/complaints",
  "GET /v1/complaints/:id",
  "GET /v1/complaints/:id/attachments/:attachmentId",
  "GET /v1/complaints/:id/report.pdf",
  "POST /v1/complaints/:id/withdraw",
  "POST /v1/complaints/:id/appeal",
  "POST /v1/complaints/:id/decision",
  "POST /complaints",
  "GET /complaints/:id",
  "POST /complaints/:id/withdraw",
  "POST /complaints/:id/appeal",
  "POST /complaints/:id/decision",
];

describe.each(engines)("route × role × organisation on %s", (engine) => {
  let f: Fixtures;

  beforeAll(async () => {
    const svc = await startTestService(engine);
    const call = async (key: string, method: string, path: string, json?: unknown) => {
      const res = await svc.request(path, { method, key, ...(json === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(json) }) });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    let images = 0;
    // Another JPEG quality, other bytes: a new registration rather than the existing one (200).
    const freshImage = () => sharp(fixture("building.jpg")).jpeg({ quality: 50 + images++ }).toBuffer();

    const sellerOrg = async (name: "A" | "B"): Promise<Org> => {
      const owner = await svc.newSeller(`Shop ${name}`);
      const ipManager = await call(owner.apiKey, "POST", "/v1/members", { name: "ip", role: "ip-manager" });
      const member = await call(owner.apiKey, "POST", "/v1/members", { name: "store", role: "member" });
      const ownerId = (await call(owner.apiKey, "GET", "/v1/members")).items.find((m: { role: string }) => m.role === "owner").memberId;
      const registered = await svc.request("/v1/originals", { method: "POST", key: owner.apiKey, body: imageForm(await freshImage(), { productId: "O", category: "c", storeCountry: "DE" }) });
      const original = await registered.json();
      const listed = await svc.request("/v1/listings", { method: "POST", key: member.apiKey, body: imageForm(fixture("smarties.png"), listingFields, "l.png") });
      const listing = await listed.json();
      return {
        name,
        keys: { owner: owner.apiKey, "ip-manager": ipManager.apiKey, member: member.apiKey },
        memberIds: { owner: ownerId, "ip-manager": ipManager.memberId, member: member.memberId },
        originalId: original.id,
        listingId: listing.id,
        imageId: new URL(original.thumbnailUrl).pathname.split("/")[3],
      };
    };
    const A = await sellerOrg("A");
    const B = await sellerOrg("B");
    const reviewer = await call(ADMIN_KEY, "POST", "/v1/admin/reviewers", { name: "Rev" });
    const P: Org = { name: "P", keys: { admin: ADMIN_KEY, reviewer: reviewer.apiKey }, memberIds: { admin: "mem_admin", reviewer: reviewer.memberId }, originalId: "", listingId: "", imageId: "" };
    await call(ADMIN_KEY, "POST", "/v1/admin/anchor");
    const bundle = await call(ADMIN_KEY, "GET", `/v1/originals/${A.originalId}/evidence`);
    const managerKey = (org: Org) => (org.name === "P" ? ADMIN_KEY : org.keys.owner!);
    const freshMember = async (org: Org): Promise<string> => {
      const created =
        org.name === "P" ? await call(ADMIN_KEY, "POST", "/v1/admin/reviewers", { name: "r" }) : await call(managerKey(org), "POST", "/v1/members", { name: "m", role: "member" });
      return created.memberId;
    };
    const freshKey = async (org: Org): Promise<number> => (await call(managerKey(org), "POST", "/v1/keys", { memberId: await freshMember(org) })).id;
    const signIn = async (key: string): Promise<PortalSession> => {
      const res = await svc.request("/sign-in", { method: "POST", body: formOf({ key }) });
      const id = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(res.headers.get("set-cookie") ?? "")?.[1];
      if (!id) throw new Error(`signing in failed: ${res.status}`);
      return { id, csrf: (await sessionOf(svc.database.db, id))!.csrfToken };
    };
    const sessions: Fixtures["sessions"] = {};
    for (const [who, key] of [...Object.entries(A.keys), ...Object.entries(P.keys)]) sessions[who as Who] = await signIn(key);
    f = { svc, A, B, P, bundle, freshImage, freshMember, freshKey, signIn, sessions };
  });
  afterAll(() => f?.svc.stop());

  it("has a row for every route the service serves", () => {
    const served = new Set(f.svc.app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`));
    expect([...ROUTES.map((r) => r.route), ...ROWS_OWED].sort()).toEqual([...served].sort());
  });

  it.each(ROUTES.map((r) => [r.route, r] as const))("%s", async (_route, row) => {
    const scopes: Scope[] = row.kind ? ["own", "other"] : ["own"];
    const actual = {} as Record<Who, Cell>;
    for (const who of WHO) {
      const statuses: number[] = [];
      for (const scope of scopes) {
        const org = targetOrg(f, who, scope, row.kind ?? "seller-data");
        const key = who === "none" ? undefined : isPlatform(who) ? f.P.keys[who] : f.A.keys[who];
        const session = row.via === "session" ? f.sessions[who] : undefined;
        const { method, path, json, form, cookie } = await row.call(f, { org, who, key, session });
        const headers = new Headers();
        const sessionId = cookie ?? session?.id;
        if (sessionId) headers.set("cookie", `${SESSION_COOKIE}=${sessionId}`);
        const init: RequestInit & { key?: string } = { method, headers, key: row.via === "session" ? undefined : key };
        if (json !== undefined) {
          headers.set("content-type", "application/json");
          init.body = JSON.stringify(json);
        }
        if (form) init.body = form;
        statuses.push((await f.svc.request(path, init)).status);
      }
      actual[who] = statuses.length === 2 && statuses[0] !== statuses[1] ? [statuses[0], statuses[1]] : statuses[0];
    }
    expect(actual).toEqual(row.expect);
  });
});
