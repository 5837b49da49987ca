import { silentLogger, type Logger } from "../../src/observability/logger";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { configSchema, type Config } from "../../src/config";
import { startServices, type ServiceOptions, type Services } from "../../src/services";
import { freshDatabase, type Engine } from "./databases";

export const ADMIN_KEY = "imp_test_admin_key_0123456789abcdef";
export const fixture = (name: string) => readFileSync(path.join(__dirname, "../fixtures/images/photos", name));

export interface TestService extends Services {
  config: Config;
  request(pathname: string, init?: RequestInit & { key?: string }): Promise<Response>;
  /** A new seller account's API key. */
  newSeller(name?: string): Promise<{ accountId: string; apiKey: string }>;
  stop(): Promise<void>;
}

/** The whole service on a fresh database of `engine` and its own anvil on a free port; HTTP via app.request. */
export async function startTestService(engine: Engine, env: Record<string, string> = {}, options: Pick<ServiceOptions, "fetchImage" | "log" | "startBatcher"> = {}): Promise<TestService> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "imprint-test-"));
  // One analysis worker: the pool is exercised, and a suite of services does not load OpenCV in 2 threads each.
  // Its wait bound is for production traffic: on a loaded test machine one analysis can take over a second, and
  // tests that send a few requests at once expect answers, not 503 (test/operations.test.ts tests the bounds).
  const config = configSchema.parse({
    DATA_DIR: dataDir,
    IMPRINT_ADMIN_KEY: ADMIN_KEY,
    EMBEDDED_CHAIN_PORT: "0",
    ANALYSIS_WORKERS: "1",
    ANALYSIS_MAX_WAIT_MS: "60000",
    ...env,
  });
  const database = await freshDatabase(engine);
  const services = await startServices(config, { database, startBatcher: false, log: silentLogger, ...options });
  const request = (pathname: string, init: RequestInit & { key?: string } = {}) => {
    const { key, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (key) headers.set("authorization", `Bearer ${key}`);
    return Promise.resolve(services.app.request(pathname, { ...rest, headers }));
  };
  return {
    ...services,
    config,
    request,
    async newSeller(name = "Seller") {
      const res = await request("/v1/accounts", {
        method: "POST",
        key: ADMIN_KEY,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name }),
      });
      if (res.status !== 201) throw new Error(`creating a seller failed: ${res.status} ${await res.text()}`);
      return (await res.json()) as { accountId: string; apiKey: string };
    },
    async stop() {
      await services.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function imageForm(bytes: Buffer | null, fields: Record<string, string>, filename = "image.jpg"): FormData {
  const form = new FormData();
  if (bytes) form.set("image", new Blob([new Uint8Array(bytes)]), filename);
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return form;
}
