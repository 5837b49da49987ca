import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { assertCompiled } from "./helpers/anvil";
import { ADMIN_KEY, fixture, imageForm } from "./helpers/service";
import { SERVICE_NODE_ARGS } from "../src/service-command";
import { ServiceProcess } from "./helpers/service-process";
import { chainFactsReader } from "../src/chain/chain-facts";
import { createProvider } from "../src/chain/provider";
import type { EvidenceBundle } from "../src/core/bundle";
import { verifyEvidence } from "../src/verifier/verify-evidence";

const ROOT = path.resolve(__dirname, "..");
/** A whole process (TypeScript transform, PGlite, anvil, OpenCV in two threads) starts slowly on a shared machine. */
const START_TIMEOUT_MS = 150_000;

describe("graceful shutdown of the real process", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "imprint-shutdown-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("on SIGTERM finishes the upload in flight, anchors what is pending, saves the chain and exits 0", async () => {
    assertCompiled();
    const child = spawn(process.execPath, [...SERVICE_NODE_ARGS], {
      cwd: ROOT,
      env: { ...process.env, PORT: "0", DATA_DIR: dataDir, EMBEDDED_CHAIN_PORT: "0", IMPRINT_ADMIN_KEY: ADMIN_KEY, ANALYSIS_WORKERS: "1", LOG_LEVEL: "info",
        // No periodic run: only the shutdown's flush may anchor the registration.
        ANCHOR_INTERVAL_MS: "3600000" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines: Record<string, unknown>[] = [];
    let pending = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      const complete = pending.split("\n");
      pending = complete.pop()!;
      for (const line of complete) if (line.startsWith("{")) lines.push(JSON.parse(line));
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      const base = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const listening = lines.find((l) => l.msg === "imprint listening");
          if (listening) resolve(String(listening.url));
        }, 50);
        void exited.then(() => reject(new Error("the service exited before listening")));
        void exited.finally(() => clearInterval(timer));
        setTimeout(() => {
          clearInterval(timer);
          reject(new Error(`the service did not listen within ${START_TIMEOUT_MS} ms`));
        }, START_TIMEOUT_MS).unref();
      });
      const account = await fetch(`${base}/v1/accounts`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "Shop" }),
      });
      const { apiKey } = await account.json();

      // An upload whose body is only half sent when SIGTERM arrives.
      const upload = new Request("http://multipart", {
        method: "POST",
        body: imageForm(fixture("building.jpg"), { productId: "P1", category: "buildings", storeCountry: "DE" }),
      });
      const body = Buffer.from(await upload.arrayBuffer());
      const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${base}/v1/originals`, {
          method: "POST",
          headers: { authorization: `Bearer ${apiKey}`, "content-type": upload.headers.get("content-type")!, "content-length": body.length },
        });
        req.on("response", (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString("utf8")));
          res.on("end", () => resolve({ status: res.statusCode!, body: text }));
        });
        req.on("error", reject);
        req.write(body.subarray(0, body.length >> 1));
        setTimeout(() => {
          child.kill("SIGTERM");
          setTimeout(() => req.end(body.subarray(body.length >> 1)), 500);
        }, 300);
      });

      const { status, body: registered } = await answer;
      expect(status).toBe(201);
      expect(await exited).toBe(0);
      const messages = lines.map((l) => l.msg);
      expect(messages).toContain("stopping: finishing requests in flight");
      const flushed = lines.find((l) => l.msg === "flushed the batcher");
      expect(flushed).toMatchObject({ sealed: 1, anchored: 1, errors: 0 });
      expect(lines.find((l) => l.msg === "request" && l.route === "/v1/originals")).toMatchObject({ status: 201 });
      expect(messages.at(-1)).toBe("stopped");
      expect(JSON.parse(registered).id).toMatch(/^reg_/);
      // anvil saved its state on the way out, so the anchored batch survives a restart.
      expect(existsSync(path.join(dataDir, "chain", "anvil-state.json"))).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 240_000);

  it("on a Ctrl-C to its whole process group (anvil gets it too) stops quietly, restarts nothing and anchors at the next start", async () => {
    const ctrlCDir = mkdtempSync(path.join(tmpdir(), "imprint-ctrl-c-"));
    const env = { DATA_DIR: ctrlCDir, PORT: "0", EMBEDDED_CHAIN_PORT: "0", IMPRINT_ADMIN_KEY: ADMIN_KEY, ANALYSIS_WORKERS: "1",
      // Pending at the signal: only the next start may anchor it.
      ANCHOR_INTERVAL_MS: "3600000" };
    let service = ServiceProcess.spawn(env);
    try {
      await service.ready;
      const account = await service.request("/v1/accounts", { method: "POST", key: ADMIN_KEY, headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "Shop" }) });
      const { apiKey } = (await account.json()) as { apiKey: string };
      const registered = await service.request("/v1/originals", { method: "POST", key: apiKey, body: imageForm(fixture("building.jpg"), { productId: "P1", category: "buildings", storeCountry: "DE" }) });
      expect(registered.status).toBe(201);
      const { id } = (await registered.json()) as { id: string };

      await service.stop(20_000, "SIGINT");
      expect(service.child.exitCode).toBe(0);
      expect(service.stoppedGracefully).toBe(true);
      const logged = service.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { level: number; msg: string });
      // anvil's exit is part of the stop: no error, no restart, no failed last anchoring.
      expect(logged.filter((l) => l.level >= 40)).toEqual([]);
      expect(logged.map((l) => l.msg)).toContain("the embedded chain stopped with the service: what is registered is anchored at the next start");
      expect(await service.strays()).toEqual([]);

      service = ServiceProcess.spawn({ ...env, ANCHOR_INTERVAL_MS: "200" });
      await service.ready;
      let evidence = await service.request(`/v1/originals/${id}/evidence`, { key: apiKey });
      for (let i = 0; i < 300 && evidence.status === 202; i++) {
        await new Promise((r) => setTimeout(r, 100));
        evidence = await service.request(`/v1/originals/${id}/evidence`, { key: apiKey });
      }
      expect(evidence.status).toBe(200);
      const { rpcUrl } = (await (await service.request("/v1/chain")).json()) as { rpcUrl: string };
      const provider = createProvider(rpcUrl, { chainId: 31337 });
      const verdict = await verifyEvidence((await evidence.json()) as EvidenceBundle, { readChainFacts: chainFactsReader(provider) });
      provider.destroy();
      expect(verdict.ok).toBe(true);
      await service.stop();
      expect(service.stoppedGracefully).toBe(true);
    } finally {
      await service.kill();
      rmSync(ctrlCDir, { recursive: true, force: true });
    }
  }, 240_000);
});
