import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureAdmin } from "../src/accounts/admin-key";
import { authenticate, LAST_USED_RESOLUTION_MS, revokeKey } from "../src/accounts/api-keys";
import { API_KEY_PATTERN, hashApiKey, keyPrefixOf, newApiKey } from "../src/accounts/keys";
import { configSchema } from "../src/config";
import type { Database } from "../src/db/client";
import { apiKeys } from "../src/db/schema";
import { engines, freshDatabase } from "./helpers/databases";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";

const meta = { productId: "SKU-1", category: "shoes", storeCountry: "DE" };

describe("API keys", () => {
  it("carry a prefix secret scanners can match, and show only their kind and 6 characters", () => {
    const live = newApiKey("live");
    const adm = newApiKey("adm");
    expect(live).toMatch(/^imp_live_[0-9A-Za-z]{43}$/);
    expect(adm).toMatch(/^imp_adm_[0-9A-Za-z]{43}$/);
    expect(`token=${live};`).toMatch(API_KEY_PATTERN);
    expect(keyPrefixOf(live)).toBe(live.slice(0, 15));
    expect(keyPrefixOf(adm)).toBe(adm.slice(0, 14));
    expect(new Set(Array.from({ length: 50 }, () => newApiKey("live"))).size).toBe(50);
  });

  it("refuses weak admin keys at start, and accepts a generated one", () => {
    const check = (key: string) => configSchema.safeParse({ IMPRINT_ADMIN_KEY: key }).success;
    expect(check("a")).toBe(false);
    expect(check("a".repeat(40))).toBe(false); // one class
    expect(check("ab".repeat(20) + "1")).toBe(false); // three distinct characters
    expect(check("correct horse battery staple 12345")).toBe(false); // spaces
    expect(check("Short1!")).toBe(false);
    expect(check(ADMIN_KEY)).toBe(true);
    expect(check(newApiKey("adm"))).toBe(true);
    expect(configSchema.safeParse({}).success).toBe(true); // unset: generated on the first start
  });
});

describe.each(engines)("the bootstrap admin key on %s", (engine) => {
  let database: Database;
  beforeAll(async () => {
    database = await freshDatabase(engine);
  });
  afterAll(() => database?.close());

  it("generates one on the first start only, revokes the previous one when IMPRINT_ADMIN_KEY changes, never revives a revoked one", async () => {
    const { db } = database;
    const first = await ensureAdmin(db, undefined);
    expect(first.generatedKey).toMatch(API_KEY_PATTERN);
    expect(await authenticate(db, first.generatedKey!)).toMatchObject({ role: "admin", organisationId: "acc_admin", memberId: "mem_admin" });
    expect((await ensureAdmin(db, undefined)).generatedKey).toBeUndefined();

    const k1 = "imp_adm_" + "K1".repeat(20) + "abc";
    expect(await ensureAdmin(db, k1)).toEqual({ revokedPrevious: 1, generatedKey: undefined });
    expect(await authenticate(db, first.generatedKey!)).toBeNull();
    expect(await authenticate(db, k1)).toMatchObject({ role: "admin" });
    expect((await ensureAdmin(db, k1)).revokedPrevious).toBe(0); // a restart with the same key changes nothing

    const k2 = "imp_adm_" + "K2".repeat(20) + "xyz";
    expect((await ensureAdmin(db, k2)).revokedPrevious).toBe(1);
    expect(await authenticate(db, k1)).toBeNull();
    expect(await authenticate(db, k2)).not.toBeNull();
    // Unsetting the variable keeps the last configured key and generates nothing.
    expect(await ensureAdmin(db, undefined)).toEqual({ revokedPrevious: 0 });
    expect(await authenticate(db, k2)).not.toBeNull();
    // Going back to a rotated-away key does not revive it.
    await expect(ensureAdmin(db, k1)).rejects.toThrow(/revoked/);
  });

  it("keeps the platform's last admin key from being revoked", async () => {
    const { db } = database;
    const [key] = await db.select({ id: apiKeys.id }).from(apiKeys).where(sql`${apiKeys.revokedAt} is null and ${apiKeys.memberId} = 'mem_admin'`);
    await expect(revokeKey(db, "acc_admin", key.id, "admin")).rejects.toMatchObject({ code: "last_owner" });
  });
});

describe.each(engines)("organisations, members, keys and the audit log on %s", (engine) => {
  let svc: TestService;
  let shop: { accountId: string; apiKey: string };
  let otherShop: { accountId: string; apiKey: string };
  const json = (key: string, method: string, body?: unknown) => ({
    method,
    key,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });

  beforeAll(async () => {
    svc = await startTestService(engine);
    shop = await svc.newSeller("Shop");
    otherShop = await svc.newSeller("Other shop");
  });
  afterAll(() => svc?.stop());

  it("gives members roles, records who acted, and revokes a removed member's keys at once", async () => {
    expect(shop.apiKey).toMatch(/^imp_live_/);
    const add = async (name: string, role: string) => {
      const res = await svc.request("/v1/members", json(shop.apiKey, "POST", { name, role }));
      expect(res.status).toBe(201);
      return res.json();
    };
    const ip = await add("Ines", "ip-manager");
    expect(ip).toEqual({ memberId: expect.stringMatching(/^mem_[0-9a-f]{24}$/), name: "Ines", role: "ip-manager", apiKey: expect.stringMatching(API_KEY_PATTERN) });
    const clerk = await add("Carl", "member");

    const registered = await svc.request("/v1/originals", { method: "POST", key: ip.apiKey, body: imageForm(fixture("building.jpg"), meta) });
    expect(registered.status).toBe(201);
    const original = await registered.json();
    expect(original).toMatchObject({ accountId: shop.accountId, registeredBy: ip.memberId });
    // Data belongs to the organisation: the owner sees what the ip-manager registered.
    const own = await (await svc.request(`/v1/originals/${original.id}`, { key: shop.apiKey })).json();
    expect(own.registeredBy).toBe(ip.memberId);
    expect((await svc.request(`/v1/originals/${original.id}`, { key: otherShop.apiKey })).status).toBe(404);

    const listed = await svc.request("/v1/listings", { method: "POST", key: clerk.apiKey, body: imageForm(fixture("smarties.png"), { ...meta, storeId: "S" }, "s.png") });
    expect(listed.status).toBe(201);
    expect(await listed.json()).toMatchObject({ accountId: shop.accountId, listedBy: clerk.memberId });
    const forbidden = await svc.request("/v1/originals", { key: clerk.apiKey });
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).error.code).toBe("forbidden");

    // Promoted, the clerk enters the IP centre at once.
    const patched = await svc.request(`/v1/members/${clerk.memberId}`, json(shop.apiKey, "PATCH", { role: "ip-manager" }));
    expect(await patched.json()).toMatchObject({ memberId: clerk.memberId, role: "ip-manager", removedAt: null });
    expect((await svc.request("/v1/originals", { key: clerk.apiKey })).status).toBe(200);
    // Platform roles cannot be given to a seller's member.
    expect((await svc.request(`/v1/members/${clerk.memberId}`, json(shop.apiKey, "PATCH", { role: "admin" }))).status).toBe(400);

    const removed = await svc.request(`/v1/members/${ip.memberId}`, json(shop.apiKey, "DELETE"));
    expect(removed.status).toBe(200);
    expect((await removed.json()).removedAt).toEqual(expect.any(String));
    expect((await svc.request("/v1/originals", { key: ip.apiKey })).status).toBe(401);
    expect((await svc.request(`/v1/members/${ip.memberId}`, json(shop.apiKey, "DELETE"))).status).toBe(404);

    const members = (await (await svc.request("/v1/members", { key: shop.apiKey })).json()).items;
    expect(members.map((m: { name: string; role: string; removedAt: string | null }) => [m.name, m.role, m.removedAt !== null])).toEqual([
      ["owner", "owner", false],
      ["Ines", "ip-manager", true],
      ["Carl", "ip-manager", false],
    ]);
  });

  it("answers 404 to a change of another organisation's member, whatever the role asked for", async () => {
    const clerk = await (await svc.request("/v1/members", json(otherShop.apiKey, "POST", { name: "Clara", role: "member" }))).json();
    const admins = (await (await svc.request("/v1/members", { key: ADMIN_KEY })).json()).items;
    // A role the actor's organisation gives, and one it does not: neither may tell that the id exists (a 400).
    const asked: [string, string, string][] = [
      [ADMIN_KEY, clerk.memberId, "reviewer"],
      [ADMIN_KEY, clerk.memberId, "member"],
      [shop.apiKey, clerk.memberId, "admin"],
      [shop.apiKey, clerk.memberId, "ip-manager"],
      [shop.apiKey, admins[0].memberId, "reviewer"],
      [shop.apiKey, admins[0].memberId, "member"],
    ];
    for (const [key, memberId, role] of asked) {
      const res = await svc.request(`/v1/members/${memberId}`, json(key, "PATCH", { role }));
      const what = `${key === ADMIN_KEY ? "admin" : "seller"} → ${memberId} as ${role}`;
      expect({ what, status: res.status, code: (await res.json()).error?.code }).toEqual({ what, status: 404, code: "not_found" });
    }
    // A missing member answers alike; one's own member with a role the organisation cannot give still answers 400.
    expect((await svc.request("/v1/members/mem_000000000000000000000000", json(ADMIN_KEY, "PATCH", { role: "member" }))).status).toBe(404);
    expect((await svc.request(`/v1/members/${clerk.memberId}`, json(otherShop.apiKey, "PATCH", { role: "admin" }))).status).toBe(400);
    const unchanged = (await (await svc.request("/v1/members", { key: otherShop.apiKey })).json()).items;
    expect(unchanged.find((m: { memberId: string }) => m.memberId === clerk.memberId).role).toBe("member");
  });

  it("never leaves an organisation without an owner holding a working key", async () => {
    const solo = await svc.newSeller("Solo");
    const members = (await (await svc.request("/v1/members", { key: solo.apiKey })).json()).items;
    const ownerId = members[0].memberId;
    const lastOwner = async (res: Response) => {
      expect(res.status).toBe(409);
      expect((await res.json()).error.code).toBe("last_owner");
    };
    await lastOwner(await svc.request(`/v1/members/${ownerId}`, json(solo.apiKey, "PATCH", { role: "member" })));
    await lastOwner(await svc.request(`/v1/members/${ownerId}`, json(solo.apiKey, "DELETE")));
    const [ownerKey] = (await (await svc.request("/v1/keys", { key: solo.apiKey })).json()).items;
    await lastOwner(await svc.request(`/v1/keys/${ownerKey.id}`, json(solo.apiKey, "DELETE")));

    // With a second owner, the first may step down.
    const second = await (await svc.request("/v1/members", json(solo.apiKey, "POST", { name: "Olga", role: "owner" }))).json();
    expect((await svc.request(`/v1/members/${ownerId}`, json(second.apiKey, "PATCH", { role: "member" }))).status).toBe(200);
  });

  it("lists, creates and revokes keys; a revoked key fails at once", async () => {
    const created = await svc.request("/v1/keys", json(shop.apiKey, "POST", {}));
    expect(created.status).toBe(201);
    const key = await created.json();
    expect(key).toEqual({ id: expect.any(Number), prefix: key.apiKey.slice(0, 15), memberId: expect.any(String), memberName: "owner", createdAt: expect.any(String), apiKey: expect.stringMatching(API_KEY_PATTERN) });
    expect((await svc.request("/v1/originals", { key: key.apiKey })).status).toBe(200);

    const listed = await (await svc.request("/v1/keys", { key: shop.apiKey })).json();
    const row = listed.items.find((k: { id: number }) => k.id === key.id);
    expect(row).toEqual({ id: key.id, prefix: key.prefix, memberId: key.memberId, memberName: "owner", role: "owner", createdAt: key.createdAt, lastUsedAt: expect.any(String), revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(key.apiKey);
    expect(listed.items.every((k: { prefix: string }) => k.prefix.startsWith("imp_live_"))).toBe(true);

    const revoked = await svc.request(`/v1/keys/${key.id}`, json(shop.apiKey, "DELETE"));
    expect((await revoked.json()).revokedAt).toEqual(expect.any(String));
    expect((await svc.request("/v1/originals", { key: key.apiKey })).status).toBe(401);
    // Another organisation's key answers like a missing one; a malformed id is a 400.
    expect((await svc.request(`/v1/keys/${key.id}`, json(otherShop.apiKey, "DELETE"))).status).toBe(404);
    expect((await svc.request(`/v1/keys/0x10`, json(shop.apiKey, "DELETE"))).status).toBe(400);

    // The admin manages the platform's keys: a reviewer's is an imp_adm_ key.
    const reviewer = await (await svc.request("/v1/admin/reviewers", json(ADMIN_KEY, "POST", { name: "Rita" }))).json();
    expect(reviewer).toMatchObject({ role: "reviewer", apiKey: expect.stringMatching(/^imp_adm_/) });
    const platform = (await (await svc.request("/v1/keys", { key: ADMIN_KEY })).json()).items;
    expect(platform.map((k: { role: string }) => k.role).sort()).toEqual(["admin", "reviewer"]);
  });

  it("updates last-used at most once a minute", async () => {
    const { db } = svc.database;
    const key = await (await svc.request("/v1/keys", json(shop.apiKey, "POST", {}))).json();
    const t0 = new Date();
    await authenticate(db, key.apiKey, t0);
    await authenticate(db, key.apiKey, new Date(t0.getTime() + LAST_USED_RESOLUTION_MS - 1));
    const lastUsed = async () => (await db.select({ at: apiKeys.lastUsedAt }).from(apiKeys).where(sql`${apiKeys.keyHash} = ${hashApiKey(key.apiKey)}`))[0].at!.getTime();
    expect(await lastUsed()).toBe(t0.getTime());
    await authenticate(db, key.apiKey, new Date(t0.getTime() + LAST_USED_RESOLUTION_MS));
    expect(await lastUsed()).toBe(t0.getTime() + LAST_USED_RESOLUTION_MS);
  });

  it("names an API key in the audit log by its prefix, never another organisation's", async () => {
    const owner = await svc.newSeller("Key keeper");
    const key = await (await svc.request("/v1/keys", json(owner.apiKey, "POST", {}))).json();
    await svc.request(`/v1/keys/${key.id}`, json(owner.apiKey, "DELETE"));
    const stranger = await svc.newSeller("Stranger");
    const theirs = await (await svc.request("/v1/keys", json(stranger.apiKey, "POST", {}))).json();
    await svc.request(`/v1/keys/${theirs.id}`, json(owner.apiKey, "DELETE")); // 404: not the owner's key
    const items = (await (await svc.request("/v1/audit?limit=10", { key: owner.apiKey })).json()).items;
    expect(items.map(({ action, target, targetKeyPrefix, outcome }: Record<string, unknown>) => ({ action, target, targetKeyPrefix, outcome }))).toEqual([
      { action: "DELETE /v1/keys/:id", target: String(theirs.id), targetKeyPrefix: undefined, outcome: { status: 404, code: "not_found" } },
      { action: "DELETE /v1/keys/:id", target: String(key.id), targetKeyPrefix: key.prefix, outcome: { status: 200 } },
      { action: "POST /v1/keys", target: String(key.id), targetKeyPrefix: key.prefix, outcome: { status: 201 } },
    ]);
  });

  it("records every state-changing request, refused ones included, in an append-only log the owner pages through", async () => {
    const fresh = await svc.newSeller("Audited");
    const clerk = await (await svc.request("/v1/members", json(fresh.apiKey, "POST", { name: "Clerk", role: "member" }))).json();
    await svc.request("/v1/originals", { method: "POST", key: clerk.apiKey, body: imageForm(fixture("building.jpg"), meta) }); // 403
    await svc.request("/v1/members", json(fresh.apiKey, "POST", { name: "", role: "member" })); // 400
    await svc.request(`/v1/members/${clerk.memberId}`, json(fresh.apiKey, "PATCH", { role: "ip-manager" }));
    await svc.request("/v1/members", { key: fresh.apiKey }); // a read: not recorded
    await svc.request("/v1/members", json("imp_live_unknown", "POST", { name: "x", role: "member" })); // no organisation: not recorded

    const page = await (await svc.request("/v1/audit?limit=10", { key: fresh.apiKey })).json();
    const ownerPrefix = keyPrefixOf(fresh.apiKey);
    expect(page.items.map(({ id, at, ...rest }: { id: string; at: string }) => (expect(Date.parse(at)).toBeGreaterThan(0), expect(id).toMatch(/^\d+$/), rest))).toEqual([
      { memberId: expect.any(String), memberName: "owner", keyPrefix: ownerPrefix, action: "PATCH /v1/members/:id", target: clerk.memberId, outcome: { status: 200 } },
      { memberId: expect.any(String), memberName: "owner", keyPrefix: ownerPrefix, action: "POST /v1/members", target: null, outcome: { status: 400, code: "invalid_request" } },
      { memberId: clerk.memberId, memberName: "Clerk", keyPrefix: keyPrefixOf(clerk.apiKey), action: "POST /v1/originals", target: null, outcome: { status: 403, code: "forbidden" } },
      { memberId: expect.any(String), memberName: "owner", keyPrefix: ownerPrefix, action: "POST /v1/members", target: clerk.memberId, outcome: { status: 201 } },
    ]);
    expect(page.nextCursor).toBeNull();

    const first = await (await svc.request("/v1/audit?limit=3", { key: fresh.apiKey })).json();
    const rest = await (await svc.request(`/v1/audit?limit=3&cursor=${first.nextCursor}`, { key: fresh.apiKey })).json();
    expect([...first.items, ...rest.items].map((e: { id: string }) => e.id)).toEqual(page.items.map((e: { id: string }) => e.id));
    expect((await svc.request("/v1/audit?cursor=nope", { key: fresh.apiKey })).status).toBe(400);
    // Another organisation's log holds none of it.
    const other = await (await svc.request("/v1/audit?limit=200", { key: otherShop.apiKey })).json();
    expect(other.items.some((e: { target: string | null }) => e.target === clerk.memberId)).toBe(false);

    const { db } = svc.database;
    for (const statement of [sql`update audit_log set status = 0`, sql`delete from audit_log`, sql`truncate audit_log`]) {
      await expect(db.execute(statement)).rejects.toThrow();
    }
    expect((await (await svc.request("/v1/audit?limit=10", { key: fresh.apiKey })).json()).items).toEqual(page.items);
  });
});
