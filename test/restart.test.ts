import { silentLogger } from "../src/observability/logger";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
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

  const start = async () => {
    const services = await startServices(config, { startBatcher: false, log: silentLogger });
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
});
