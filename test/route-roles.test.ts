/**
 * Every route × every role × (own | other organisation): the status each cell answers, on both databases.
 *
 * The seller roles (owner, ip-manager, member) belong to organisation A; "own" is a row of A, "other" a row of B.
 * The platform roles (admin, reviewer) belong to the platform: for members and keys "own" is the platform's, for
 * originals and listings (the platform has none) both columns are a seller's row. `none` sends no key.
 *
 * Complaints: "own" is one filed by A against a listing of a third organisation C, "other" one filed by B against C
 * (for an appeal, which is the listing's side: filed by C against A's, or B's, listing).
 *
 * Portal pages (`via: "session"`) are requested with the role's session cookie (signed in with its key) instead
 * of a bearer key; `none` has no cookie.
 *
 * A cell is one status when the route has no target row (or answers the same for both), else [own, other].
 * To add a route: add a row to ROUTES (a test fails until every route the app serves has one).
 */
import { Wallet, type HDNodeWallet } from "ethers";
import { PDFDocument } from "pdf-lib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionOf, SESSION_COOKIE } from "../src/accounts/sessions";
import { auditActionPhrase } from "../src/web/portal/audit-actions";
import { engines } from "./helpers/databases";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";

const WHO = ["owner", "ip-manager", "member", "admin", "reviewer", "none"] as const;
type Who = (typeof WHO)[number];
type Scope = "own" | "other";
type Cell = number | readonly [own: number, other: number];

interface Org {
  /** The platform is "P". */
  name: "A" | "B" | "C" | "P";
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
  /** A third organisation: the other side of A's and B's complaints. */
  C: Org;
  P: Org;
  bundle: unknown;
  /** A fresh member of `org` (destructive cells each get their own). */
  freshMember(org: Org): Promise<string>;
  /** A fresh key of `org`. */
  freshKey(org: Org): Promise<number>;
  /** Image bytes no cell has registered yet. */
  freshImage(): Promise<Buffer>;
  /** A new listing of `org` (a complaint is filed against a listing once while it is open). */
  freshListing(org: Org): Promise<string>;
  /** A new complaint by `complainant` against a new listing of `respondent`, citing the complainant's original. */
  fileComplaint(complainant: Org, respondent: Org, attachment?: boolean): Promise<{ id: string; attachmentId?: string }>;
  /** Complaints shared by the rows that only read: A's (own) and B's (other), each against C, with a PDF attached. */
  complaints: Record<"A" | "B", { id: string; attachmentId?: string }>;
  /** A search record of `org` (made once, by its owner), with at least one hit. */
  searchOf(org: Org): Promise<string>;
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

/** `{nonce, signature}`: a challenge for `org` (asked by its owner) signed by `wallet`. */
async function signedChallenge(f: Fixtures, org: Org, wallet: HDNodeWallet) {
  const res = await f.svc.request("/v1/signing-keys/challenge", {
    method: "POST",
    key: org.keys.owner,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ address: wallet.address }),
  });
  const challenge = await res.json();
  return { nonce: challenge.nonce as string, signature: await wallet.signMessage(challenge.message) };
}

/** A new signing key registered by `org`'s owner; its address. */
async function registeredSigningKey(f: Fixtures, org: Org): Promise<string> {
  const wallet = Wallet.createRandom();
  const res = await f.svc.request("/v1/signing-keys", {
    method: "POST",
    key: org.keys.owner,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(await signedChallenge(f, org, wallet)),
  });
  if (res.status !== 201) throw new Error(`registering a signing key failed: ${res.status} ${await res.text()}`);
  return wallet.address;
}

/** The shared complaint of a seller organisation (A's or B's, each against C). */
const complaintOf = (f: Fixtures, org: Org) => f.complaints[org.name as "A" | "B"];

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

  // Signing keys (an organisation's Ethereum keys for v2 bundles) and re-anchoring
  { route: "POST /v1/signing-keys/challenge", call: () => ({ method: "POST", path: "/v1/signing-keys/challenge", json: { address: Wallet.createRandom().address } }),
    expect: { owner: 201, "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "POST /v1/signing-keys",
    // A challenge of A signed by a new key, registered with the caller's key.
    call: async (f) => ({ method: "POST", path: "/v1/signing-keys", json: await signedChallenge(f, f.A, Wallet.createRandom()) }),
    expect: { owner: 201, "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "GET /v1/signing-keys", call: () => ({ method: "GET", path: "/v1/signing-keys" }), expect: { ...everyone(200), none: 401 } },
  { route: "DELETE /v1/signing-keys/:address", kind: "seller-data",
    call: async (f, { org }) => ({ method: "DELETE", path: `/v1/signing-keys/${await registeredSigningKey(f, org)}` }),
    expect: { owner: [204, 404], "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 401 } },
  // The test service has one deployment: an admin passes authorisation and is refused re-anchoring onto itself (400).
  { route: "POST /v1/admin/reanchor",
    call: (f) => ({ method: "POST", path: "/v1/admin/reanchor", json: { from: f.svc.deps.deployments.current.name, to: f.svc.deps.deployments.current.name } }),
    expect: { owner: 403, "ip-manager": 403, member: 403, admin: 400, reviewer: 403, none: 401 } },
  { route: "GET /.well-known/imprint-deployments.json", call: () => ({ method: "GET", path: "/.well-known/imprint-deployments.json" }), expect: everyone(200) },

  // Complaints
  { route: "POST /v1/complaints",
    call: async (f) => ({ method: "POST", path: "/v1/complaints", form: formOf({ listingId: await f.freshListing(f.C), originalIds: f.A.originalId, statement: "a copy" }) }),
    expect: { owner: 201, "ip-manager": 201, member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "GET /v1/complaints/:id", kind: "seller-data", call: (f, { org }) => ({ method: "GET", path: `/v1/complaints/${complaintOf(f, org).id}` }),
    expect: { owner: [200, 404], "ip-manager": [200, 404], member: 404, admin: 200, reviewer: 200, none: 401 } },
  { route: "GET /v1/complaints/:id/report.pdf", kind: "seller-data", call: (f, { org }) => ({ method: "GET", path: `/v1/complaints/${complaintOf(f, org).id}/report.pdf` }),
    expect: { owner: [200, 404], "ip-manager": [200, 404], member: 404, admin: 200, reviewer: 200, none: 401 } },
  { route: "GET /v1/complaints/:id/attachments/:attachmentId", kind: "seller-data",
    call: (f, { org }) => ({ method: "GET", path: `/v1/complaints/${complaintOf(f, org).id}/attachments/${complaintOf(f, org).attachmentId}` }),
    expect: { owner: [200, 404], "ip-manager": [200, 404], member: 404, admin: 200, reviewer: 200, none: 401 } },
  { route: "POST /v1/complaints/:id/withdraw", kind: "seller-data",
    call: async (f, { org }) => ({ method: "POST", path: `/v1/complaints/${(await f.fileComplaint(org, f.C)).id}/withdraw` }),
    expect: { owner: [200, 404], "ip-manager": [200, 404], member: 404, admin: 403, reviewer: 403, none: 401 } },
  { route: "POST /v1/complaints/:id/appeal", kind: "seller-data",
    call: async (f, { org }) => ({ method: "POST", path: `/v1/complaints/${(await f.fileComplaint(f.C, org)).id}/appeal`, form: formOf({ statement: "ours first" }) }),
    expect: { owner: [200, 404], "ip-manager": [200, 404], member: 404, admin: 403, reviewer: 403, none: 401 } },
  { route: "POST /v1/complaints/:id/decision", kind: "seller-data",
    call: async (f, { org }) => ({ method: "POST", path: `/v1/complaints/${(await f.fileComplaint(org, f.C)).id}/decision`, json: { outcome: "rejected", reason: "not the same photo" } }),
    expect: { owner: 403, "ip-manager": 403, member: 403, admin: 403, reviewer: 200, none: 401 } },
  { route: "GET /v1/complaints", call: () => ({ method: "GET", path: "/v1/complaints" }),
    expect: { owner: 200, "ip-manager": 200, member: 403, admin: 200, reviewer: 200, none: 401 } },
  { route: "GET /v1/admin/complaints/stats", call: () => ({ method: "GET", path: "/v1/admin/complaints/stats" }),
    expect: { owner: 403, "ip-manager": 403, member: 403, admin: 200, reviewer: 200, none: 401 } },
  { route: "GET /complaints", via: "session", call: () => ({ method: "GET", path: "/complaints" }),
    expect: { owner: 200, "ip-manager": 200, member: 403, admin: 403, reviewer: 200, none: 303 } },
  { route: "GET /complaints/new", via: "session", call: async (f) => ({ method: "GET", path: `/complaints/new?listingId=${await f.freshListing(f.C)}` }),
    expect: { owner: 200, "ip-manager": 200, member: 403, admin: 403, reviewer: 403, none: 303 } },

  // Search records, alerts, settings and the webhook (owner/ip-manager: the IP centre; the owner: the organisation)
  { route: "GET /v1/searches", call: () => ({ method: "GET", path: "/v1/searches" }),
    expect: { owner: 200, "ip-manager": 200, member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "GET /v1/searches/:id", kind: "seller-data", call: async (f, { org }) => ({ method: "GET", path: `/v1/searches/${await f.searchOf(org)}` }),
    expect: { owner: [200, 404], "ip-manager": [200, 404], member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "POST /v1/searches/:id/seal", kind: "seller-data", call: async (f, { org }) => ({ method: "POST", path: `/v1/searches/${await f.searchOf(org)}/seal` }),
    expect: { owner: [202, 404], "ip-manager": [202, 404], member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "GET /v1/searches/:id/receipt", kind: "seller-data", call: async (f, { org }) => ({ method: "GET", path: `/v1/searches/${await f.searchOf(org)}/receipt` }),
    expect: { owner: [202, 404], "ip-manager": [202, 404], member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "GET /v1/searches/:id/thumbnail", kind: "seller-data", call: async (f, { org }) => ({ method: "GET", path: `/v1/searches/${await f.searchOf(org)}/thumbnail` }),
    expect: everyone(200) },
  { route: "GET /v1/searches/:id/hits/:index/match.png", kind: "seller-data", call: async (f, { org }) => ({ method: "GET", path: `/v1/searches/${await f.searchOf(org)}/hits/0/match.png` }),
    expect: { owner: [200, 404], "ip-manager": [200, 404], member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "GET /v1/alerts", call: () => ({ method: "GET", path: "/v1/alerts" }),
    expect: { owner: 200, "ip-manager": 200, member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "GET /v1/settings", call: () => ({ method: "GET", path: "/v1/settings" }),
    expect: { owner: 200, "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "PATCH /v1/settings", call: () => ({ method: "PATCH", path: "/v1/settings", json: { watchThreshold: 92 } }),
    expect: { owner: 200, "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "PUT /v1/webhook", call: () => ({ method: "PUT", path: "/v1/webhook", json: { url: "https://hooks.example.com/imprint", secret: "a-webhook-secret-of-enough-length" } }),
    expect: { owner: 200, "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "GET /v1/webhook/deliveries", call: () => ({ method: "GET", path: "/v1/webhook/deliveries" }),
    expect: { owner: 200, "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "DELETE /v1/webhook", call: () => ({ method: "DELETE", path: "/v1/webhook" }),
    expect: { owner: 204, "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 401 } },
  // No fixture makes an alert (that needs a watch job to run); the role gate is checked on an id no one has, and
  // own versus other organisation in test/watch.test.ts.
  { route: "PATCH /v1/alerts/:id", call: () => ({ method: "PATCH", path: "/v1/alerts/alr_000000000000000000000000", json: { status: "acknowledged" } }),
    expect: { owner: 404, "ip-manager": 404, member: 403, admin: 403, reviewer: 403, none: 401 } },
  { route: "GET /v1/alerts/:id/match.png", call: () => ({ method: "GET", path: "/v1/alerts/alr_000000000000000000000000/match.png" }),
    expect: { owner: 404, "ip-manager": 404, member: 403, admin: 403, reviewer: 403, none: 401 } },
  // Metrics are served to the host itself or with METRICS_TOKEN; app.request has no socket, so no one here.
  { route: "GET /metrics", call: () => ({ method: "GET", path: "/metrics" }), expect: everyone(403) },

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
    expect: { owner: 200, "ip-manager": 200, member: 403, admin: 200, reviewer: 403, none: 303 } },
  { route: "POST /search", via: "session",
    call: (_f, { session }) => ({ method: "POST", path: "/search", form: imageForm(fixture("aloe.webp"), session ? { _csrf: session.csrf } : {}, "q.webp") }),
    expect: { owner: 200, "ip-manager": 200, member: 403, admin: 200, reviewer: 403, none: 303 } },
  { route: "GET /searches/:id/hits/:index/match.png", via: "session", kind: "seller-data",
    call: async (f, { org }) => ({ method: "GET", path: `/searches/${await f.searchOf(org)}/hits/0/match.png` }),
    expect: { owner: [200, 404], "ip-manager": [200, 404], member: 403, admin: 403, reviewer: 403, none: 303 } },
  { route: "POST /complaints", via: "session",
    call: async (f, { session }) => ({ method: "POST", path: "/complaints", form: formOf({ _csrf: session?.csrf, listingId: await f.freshListing(f.C), originalIds: f.A.originalId, statement: "a copy" }) }),
    expect: { owner: 303, "ip-manager": 303, member: 403, admin: 403, reviewer: 403, none: 303 } },
  { route: "GET /complaints/:id", via: "session", kind: "seller-data", call: (f, { org }) => ({ method: "GET", path: `/complaints/${complaintOf(f, org).id}` }),
    expect: { owner: [200, 404], "ip-manager": [200, 404], member: 404, admin: 200, reviewer: 200, none: 303 } },
  { route: "POST /complaints/:id/withdraw", via: "session", kind: "seller-data",
    call: async (f, { org, session }) => ({ method: "POST", path: `/complaints/${(await f.fileComplaint(org, f.C)).id}/withdraw`, form: formOf({ _csrf: session?.csrf }) }),
    expect: { owner: [303, 404], "ip-manager": [303, 404], member: 404, admin: 403, reviewer: 403, none: 303 } },
  { route: "POST /complaints/:id/appeal", via: "session", kind: "seller-data",
    call: async (f, { org, session }) => ({ method: "POST", path: `/complaints/${(await f.fileComplaint(f.C, org)).id}/appeal`, form: formOf({ _csrf: session?.csrf, statement: "ours first" }) }),
    expect: { owner: [303, 404], "ip-manager": [303, 404], member: 404, admin: 403, reviewer: 403, none: 303 } },
  { route: "POST /complaints/:id/decision", via: "session", kind: "seller-data",
    call: async (f, { org, session }) => ({ method: "POST", path: `/complaints/${(await f.fileComplaint(org, f.C)).id}/decision`, form: formOf({ _csrf: session?.csrf, outcome: "rejected", reason: "not the same photo" }) }),
    expect: { owner: 403, "ip-manager": 403, member: 403, admin: 403, reviewer: 303, none: 303 } },
  // Search history and alerts (the IP centre); the team pages (the owner: the operator is not offered them)
  { route: "GET /searches", via: "session", call: () => ({ method: "GET", path: "/searches" }),
    expect: { owner: 200, "ip-manager": 200, member: 403, admin: 403, reviewer: 403, none: 303 } },
  { route: "POST /searches/:id/seal", via: "session", kind: "seller-data",
    call: async (f, { org, session }) => ({ method: "POST", path: `/searches/${await f.searchOf(org)}/seal`, form: formOf({ _csrf: session?.csrf }) }),
    expect: { owner: [303, 404], "ip-manager": [303, 404], member: 403, admin: 403, reviewer: 403, none: 303 } },
  { route: "GET /alerts", via: "session", call: () => ({ method: "GET", path: "/alerts" }),
    expect: { owner: 200, "ip-manager": 200, member: 403, admin: 403, reviewer: 403, none: 303 } },
  // As for PATCH /v1/alerts/:id: no fixture makes an alert; test/portal-team.test.ts acts on real ones.
  { route: "POST /alerts/:id/status", via: "session",
    call: (_f, { session }) => ({ method: "POST", path: "/alerts/alr_000000000000000000000000/status", form: formOf({ _csrf: session?.csrf, status: "acknowledged" }) }),
    expect: { owner: 404, "ip-manager": 404, member: 403, admin: 403, reviewer: 403, none: 303 } },
  { route: "GET /alerts/:id/match.png", via: "session", call: () => ({ method: "GET", path: "/alerts/alr_000000000000000000000000/match.png" }),
    expect: { owner: 404, "ip-manager": 404, member: 403, admin: 403, reviewer: 403, none: 303 } },
  { route: "GET /team", via: "session", call: () => ({ method: "GET", path: "/team" }),
    expect: { owner: 200, "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 303 } },
  { route: "POST /team/members", via: "session",
    call: (_f, { session }) => ({ method: "POST", path: "/team/members", form: formOf({ _csrf: session?.csrf, name: "New", role: "member" }) }),
    expect: { owner: 200, "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 303 } },
  { route: "POST /team/members/:id/role", via: "session", kind: "organisation",
    call: async (f, { org, session }) => ({ method: "POST", path: `/team/members/${await f.freshMember(org)}/role`, form: formOf({ _csrf: session?.csrf, role: "ip-manager" }) }),
    expect: { owner: [303, 404], "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 303 } },
  { route: "POST /team/members/:id/remove", via: "session", kind: "organisation",
    call: async (f, { org, session }) => ({ method: "POST", path: `/team/members/${await f.freshMember(org)}/remove`, form: formOf({ _csrf: session?.csrf }) }),
    expect: { owner: [303, 404], "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 303 } },
  { route: "GET /team/keys", via: "session", call: () => ({ method: "GET", path: "/team/keys" }),
    expect: { owner: 200, "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 303 } },
  { route: "POST /team/keys", via: "session", kind: "organisation",
    call: async (f, { org, session }) => ({ method: "POST", path: "/team/keys", form: formOf({ _csrf: session?.csrf, memberId: await f.freshMember(org) }) }),
    expect: { owner: [200, 404], "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 303 } },
  { route: "POST /team/keys/:id/revoke", via: "session", kind: "organisation",
    call: async (f, { org, session }) => ({ method: "POST", path: `/team/keys/${await f.freshKey(org)}/revoke`, form: formOf({ _csrf: session?.csrf }) }),
    expect: { owner: [303, 404], "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 303 } },
  { route: "GET /team/audit", via: "session", call: () => ({ method: "GET", path: "/team/audit" }),
    expect: { owner: 200, "ip-manager": 403, member: 403, admin: 403, reviewer: 403, none: 303 } },
  { route: "POST /sign-out", via: "session",
    // A session of its own: signing out ends it.
    call: async (f, { key }) => {
      const session = key ? await f.signIn(key) : undefined;
      return { method: "POST", path: "/sign-out", form: formOf({ _csrf: session?.csrf }), cookie: session?.id };
    },
    expect: everyone(303) },
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
    // Another JPEG quality (and, after 50, a wider canvas), other bytes: a new registration rather than the existing one (200).
    const freshImage = () => {
      const n = images++;
      return sharp(fixture("building.jpg")).extend({ right: Math.floor(n / 50), background: "#fff" }).jpeg({ quality: 50 + (n % 50) }).toBuffer();
    };

    const sellerOrg = async (name: "A" | "B" | "C"): Promise<Org> => {
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
    const C = await sellerOrg("C");
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
    const pdf = Buffer.from(await (async () => {
      const doc = await PDFDocument.create();
      doc.addPage();
      return doc.save();
    })());
    const freshListing = async (org: Org) => {
      const listed = await svc.request("/v1/listings", { method: "POST", key: org.keys.member, body: imageForm(await freshImage(), listingFields, "l.jpg") });
      if (listed.status !== 201) throw new Error(`listing failed: ${listed.status} ${await listed.text()}`);
      return (await listed.json()).id as string;
    };
    const fileComplaint = async (complainant: Org, respondent: Org, attachment = false) => {
      const form = formOf({ listingId: await freshListing(respondent), originalIds: complainant.originalId, statement: "a copy of our photo" });
      if (attachment) form.append("attachments", new Blob([new Uint8Array(pdf)]), "proof.pdf");
      const res = await svc.request("/v1/complaints", { method: "POST", key: complainant.keys.owner, body: form });
      if (res.status !== 201) throw new Error(`filing a complaint failed: ${res.status} ${await res.text()}`);
      const complaint = await res.json();
      return { id: complaint.id as string, attachmentId: complaint.attachments[0]?.id as string | undefined };
    };
    const complaints = { A: await fileComplaint(A, C, true), B: await fileComplaint(B, C, true) };
    const sessions: Fixtures["sessions"] = {};
    for (const [who, key] of [...Object.entries(A.keys), ...Object.entries(P.keys)]) sessions[who as Who] = await signIn(key);
    const searches = new Map<string, Promise<string>>();
    const searchOf = (org: Org) => {
      if (!searches.has(org.name)) {
        searches.set(
          org.name,
          // Every organisation registered the building photo: a hit to draw a match picture of.
          svc.request("/v1/search", { method: "POST", key: org.keys.owner!, body: imageForm(fixture("building.jpg"), {}, "q.jpg") }).then(async (r) => {
            const answer = await r.json();
            if (answer.hits?.length === 0) throw new Error("the search found no hit");
            return answer.searchId as string;
          }),
        );
      }
      return searches.get(org.name)!;
    };
    f = { svc, A, B, C, P, bundle, searchOf, freshImage, freshMember, freshKey, freshListing, fileComplaint, complaints, signIn, sessions };
  });
  afterAll(() => f?.svc.stop());

  it("has a row for every route the service serves", () => {
    const served = new Set(f.svc.app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`));
    expect(ROUTES.map((r) => r.route).sort()).toEqual([...served].sort());
  });

  it("names every state-changing route in the audit log's words, in both languages", () => {
    const changing = f.svc.app.routes.filter((r) => !["ALL", "GET", "HEAD", "OPTIONS"].includes(r.method)).map((r) => `${r.method} ${r.path}`);
    for (const language of ["en", "zh"] as const) {
      expect(changing.filter((action) => auditActionPhrase(language, action) === undefined)).toEqual([]);
    }
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
