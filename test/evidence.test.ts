import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainFactsReader } from "../src/chain/chain-facts";
import { createProvider } from "../src/chain/provider";
import type { EvidenceBundle } from "../src/core/bundle";
import { verifyEvidence } from "../src/verifier/verify-evidence";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";

const run = promisify(execFile);
const cli = path.join(__dirname, "../bin/imprint.cjs");

describe("an anchored evidence bundle", () => {
  let svc: TestService;
  let bundle: EvidenceBundle;
  let rpcUrl: string;
  const dir = mkdtempSync(path.join(tmpdir(), "imprint-bundle-"));
  const bundleFile = path.join(dir, "bundle.json");

  beforeAll(async () => {
    svc = await startTestService("pglite");
    const seller = await svc.newSeller();
    // Five leaves, so the proof has several steps to tamper with.
    const images = [fixture("building.jpg"), fixture("aloe.webp")];
    for (const width of [700, 720, 740]) images.push(await sharp(fixture("aloe.webp")).resize(width).jpeg().toBuffer());
    for (const [i, bytes] of images.entries()) {
      const form = imageForm(bytes, { productId: `P${i}`, category: "c", storeCountry: "FR" }, "x");
      expect((await svc.request("/v1/originals", { method: "POST", key: seller.apiKey, body: form })).status).toBe(201);
    }
    // The oldest registration is leaf 0: the longest proof.
    const res = await svc.request("/v1/originals?limit=100", { key: seller.apiKey });
    const id = (await res.json()).items.at(-1).id;
    await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY });
    bundle = await (await svc.request(`/v1/originals/${id}/evidence`, { key: seller.apiKey })).json();
    rpcUrl = svc.deps.chain.publicRpcUrl!;
    expect(bundle.merkle.proof.length).toBeGreaterThanOrEqual(3);
    writeFileSync(bundleFile, JSON.stringify(bundle, null, 2));
  });
  afterAll(() => svc?.stop());

  it("fails verification after any single-byte change, at every byte of its JSON", async () => {
    const provider = createProvider(rpcUrl, { chainId: 31337 });
    const readChainFacts = chainFactsReader(provider);
    expect((await verifyEvidence(bundle, { readChainFacts })).ok).toBe(true);

    const text = JSON.stringify(bundle);
    const accepted: string[] = [];
    for (let i = 0; i < text.length; i++) {
      // Two replacements per byte: one that keeps hex and digits well-formed (so the cryptographic and
      // chain checks are what must catch it) and one arbitrary.
      const c = text[i];
      const alternatives = [/[0-9a-f]/.test(c) ? (c === "0" ? "1" : "0") : c === "_" ? "-" : "a", c === "Z" ? "Y" : "Z"];
      for (const replacement of alternatives) {
        const tampered = text.slice(0, i) + replacement + text.slice(i + 1);
        let input: unknown;
        try {
          input = JSON.parse(tampered);
        } catch {
          continue; // not JSON any more: no verifier accepts it
        }
        if ((await verifyEvidence(input, { readChainFacts })).ok) accepted.push(`byte ${i}: ${c} -> ${replacement}`);
      }
    }
    provider.destroy();
    expect(accepted).toEqual([]);
  });

  it("fails when a field is changed semantically: each registration value, the proof order, the anchor", async () => {
    const provider = createProvider(rpcUrl, { chainId: 31337 });
    const readChainFacts = chainFactsReader(provider);
    const variants: [string, (b: EvidenceBundle) => void][] = [
      ["accountId", (b) => (b.registration.accountId += "x")],
      ["registeredAt +1 ms", (b) => (b.registration.registeredAt = new Date(Date.parse(b.registration.registeredAt) + 1).toISOString())],
      ["proof reversed", (b) => b.merkle.proof.reverse()],
      ["proof step dropped", (b) => b.merkle.proof.pop()],
      ["blockNumber", (b) => (b.anchor.blockNumber += 1)],
      ["blockTimestamp", (b) => (b.anchor.blockTimestamp -= 1)],
      ["chainId", (b) => (b.anchor.chainId = 1)],
      ["extra field", (b) => Object.assign(b, { note: "trust me" })],
    ];
    for (const [name, mutate] of variants) {
      const copy = structuredClone(bundle);
      mutate(copy);
      const verdict = await verifyEvidence(copy, { readChainFacts });
      expect({ name, ok: verdict.ok }).toEqual({ name, ok: false });
    }
    provider.destroy();
  });

  it("is verified by the CLI with only the bundle file and the RPC, and refused when tampered", async () => {
    // The service's own deployments file is what a verifier pins (served at /.well-known/imprint-deployments.json).
    const trust = path.join(svc.config.DATA_DIR, "deployments.json");
    const ok = await run("node", [cli, "verify", bundleFile, "--trust", trust, "--rpc", rpcUrl, "--image", path.join(__dirname, "fixtures/images/photos/building.jpg")]);
    expect(ok.stdout).toContain("VERIFIED");
    expect(ok.stdout).toMatch(/ok\s+image/);

    const tampered = path.join(dir, "tampered.json");
    writeFileSync(tampered, JSON.stringify({ ...bundle, anchor: { ...bundle.anchor, blockTimestamp: bundle.anchor.blockTimestamp + 3600 } }));
    const failed = await run("node", [cli, "verify", tampered, "--rpc", rpcUrl, "--json"]).catch((e: { code: number; stdout: string }) => e);
    expect("code" in failed && failed.code).toBe(1);
    const verdict = JSON.parse(failed.stdout);
    expect(verdict.ok).toBe(false);
    expect(verdict.checks.find((c: { name: string }) => c.name === "block-time").ok).toBe(false);

    const garbage = path.join(dir, "garbage.json");
    writeFileSync(garbage, "not json");
    const usage = await run("node", [cli, "verify", garbage, "--rpc", rpcUrl]).catch((e: { code: number }) => e);
    expect("code" in usage && usage.code).toBe(2);
  });

  it("reports an unreachable RPC as a failed chain check, not a crash", async () => {
    const verdict = await verifyEvidence(bundle, { readChainFacts: chainFactsReader(createProvider("http://127.0.0.1:9", { chainId: 31337 })) });
    expect(verdict.ok).toBe(false);
    expect(verdict.checks.find((c) => c.name === "chain")?.detail).toContain("could not be read");
  });
});
