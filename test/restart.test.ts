import { silentLogger } from "../src/observability/logger";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { configSchema } from "../src/config";
import { startServices, type Services } from "../src/services";
import { fixture, imageForm } from "./helpers/service";

describe("the embedded defaults across a restart", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "imprint-restart-"));
  const config = configSchema.parse({ DATA_DIR: dataDir, EMBEDDED_CHAIN_PORT: "0" });
  const open: Services[] = [];
  afterAll(async () => {
    for (const s of open) await s.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (startJobs = true) => {
    const services = await startServices(config, { startBatcher: false, startJobs, log: silentLogger });
    open.push(services);
    return services;
  };
  const req = (s: Services, p: string, key: string, init: RequestInit = {}) =>
    Promise.resolve(s.app.request(p, { ...init, headers: { ...(init.headers as object), authorization: `Bearer ${key}` } }));

  it("keeps registrations, batches, the contract and the anchors (PGlite + anvil --state in DATA_DIR)", async () => {
    const first = await start();
    const adminKey = first.generatedAdminKey!;
    expect(adminKey).toMatch(/^imp_/);
    const seller = await (
      await req(first, "/v1/accounts", adminKey, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "s" }) })
    ).json();
    const reg = await (
      await req(first, "/v1/originals", seller.apiKey, { method: "POST", body: imageForm(fixture("building.jpg"), { productId: "p", category: "c", storeCountry: "IT" }) })
    ).json();
    await req(first, "/v1/admin/anchor", adminKey, { method: "POST" });
    const bundle = await (await req(first, `/v1/originals/${reg.id}/evidence`, seller.apiKey)).json();
    const contract = first.deps.chain.contract;
    await first.close();
    open.pop();

    const second = await start();
    expect(second.generatedAdminKey).toBeUndefined(); // printed once, on the first start only
    expect(second.deps.chain.contract).toBe(contract); // deployed once, reused
    const again = await (await req(second, `/v1/originals/${reg.id}/evidence`, seller.apiKey)).json();
    expect(again).toEqual(bundle);
    const verdict = await (await second.app.request("/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(bundle) })).json();
    expect(verdict.ok).toBe(true);
    // Two whole service starts (PGlite, anvil, deployment): over a minute on a shared 2-core machine.
  }, 180_000);

  it("runs a watch job queued before the restart after it (the job table is in the database)", async () => {
    const adminKey = "imp_restart_admin_key_0123456789";
    const watchDir = mkdtempSync(path.join(tmpdir(), "imprint-restart-watch-"));
    const watchConfig = configSchema.parse({ DATA_DIR: watchDir, EMBEDDED_CHAIN_PORT: "0", IMPRINT_ADMIN_KEY: adminKey });
    const startWatch = async (startJobs: boolean) => {
      const services = await startServices(watchConfig, { startBatcher: false, startJobs, log: silentLogger });
      open.push(services);
      return services;
    };
    const first = await startWatch(false);
    const account = async (name: string) =>
      (await req(first, "/v1/accounts", adminKey, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name }) })).json();
    const owner = await account("brand");
    const store = await account("store");
    const reg = await req(first, "/v1/originals", owner.apiKey, { method: "POST", body: imageForm(fixture("aloe.webp"), { productId: "A", category: "c", storeCountry: "DE" }) });
    expect(reg.status).toBe(201);
    const copy = await sharp(fixture("aloe.webp")).resize(500).jpeg({ quality: 70 }).toBuffer();
    const listing = await req(first, "/v1/listings", store.apiKey, { method: "POST", body: imageForm(copy, { productId: "L", storeId: "s", storeCountry: "PL", category: "c" }) });
    expect(listing.status).toBe(201);
    expect((await (await req(first, "/v1/alerts", owner.apiKey)).json()).items).toEqual([]);
    await first.close();
    open.pop();

    const restarted = await startWatch(true);
    let alerts: unknown[] = [];
    for (let i = 0; i < 300 && alerts.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      alerts = (await (await req(restarted, "/v1/alerts", owner.apiKey)).json()).items;
    }
    expect(alerts).toHaveLength(1);
    await restarted.close();
    open.pop();
    rmSync(watchDir, { recursive: true, force: true });
  });
});
