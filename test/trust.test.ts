import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMBEDDED_ANCHORER_ADDRESS } from "../src/chain/anvil";
import { BUNDLE_FORMAT, type EvidenceBundle } from "../src/core/bundle";
import { DEPLOYMENTS_FORMAT, parseDeploymentsFile, withDeployment, type Deployment } from "../src/core/deployments";
import type { SearchReceipt } from "../src/core/search-receipt";
import { checkDeployment } from "../src/core/verify";
import { OTHER_DEV_KEY } from "./helpers/anvil";
import { forgeEvidence } from "./helpers/forgery";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";

const run = promisify(execFile);
const cli = path.join(__dirname, "../bin/imprint.cjs");
type CliResult = { code: number; stdout: string };
const imprint = (...args: string[]): Promise<CliResult> =>
  run("node", [cli, ...args]).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );

describe("the deployments file", () => {
  const d: Deployment = {
    name: "sepolia-1",
    chainId: 11155111,
    contract: "0x" + "ab".repeat(20),
    anchorer: "0x" + "cd".repeat(20),
    from: "2026-01-01T00:00:00.000Z",
  };

  it("is strict: lowercase fixed-width hex, one time spelling, unique names and contracts, no unknown keys", () => {
    expect(parseDeploymentsFile({ format: DEPLOYMENTS_FORMAT, deployments: [d] }).ok).toBe(true);
    const bad: unknown[] = [
      { format: "imprint.deployments.v0", deployments: [d] },
      { format: DEPLOYMENTS_FORMAT, deployments: [] },
      { format: DEPLOYMENTS_FORMAT, deployments: [{ ...d, contract: d.contract.toUpperCase().replace("0X", "0x") }] },
      { format: DEPLOYMENTS_FORMAT, deployments: [{ ...d, from: "2026-01-01T00:00:00Z" }] },
      { format: DEPLOYMENTS_FORMAT, deployments: [{ ...d, until: "2025-01-01T00:00:00.000Z" }] },
      { format: DEPLOYMENTS_FORMAT, deployments: [{ ...d, note: "x" }] },
      { format: DEPLOYMENTS_FORMAT, deployments: [d, { ...d, contract: "0x" + "ef".repeat(20) }] },
      { format: DEPLOYMENTS_FORMAT, deployments: [d, { ...d, name: "other" }] },
    ];
    for (const file of bad) expect(parseDeploymentsFile(file).ok).toBe(false);
  });

  it("vouches only for its contract, with its anchorer, within its period", () => {
    const bundle = {
      format: BUNDLE_FORMAT,
      registration: { id: "reg_" + "0".repeat(24), accountId: "acc_x", sha256: "0x" + "1".repeat(64), pdq: "0x" + "2".repeat(64), phash: "0x" + "3".repeat(16), registeredAt: "2026-03-01T00:00:00.000Z" },
      leaf: "0x" + "4".repeat(64),
      merkle: { root: "0x" + "4".repeat(64), proof: [] },
      anchor: { chainId: d.chainId, contract: d.contract, txHash: "0x" + "5".repeat(64), blockNumber: 9, blockTimestamp: Date.parse("2026-03-01T00:00:30.000Z") / 1000 },
    } satisfies EvidenceBundle;
    const judge = (b: EvidenceBundle, anchorer: string, deployments: Deployment[]) => checkDeployment(b, "direct", anchorer, deployments).check;
    expect(judge(bundle, d.anchorer, [d]).ok).toBe(true);
    expect(judge(bundle, "0x" + "99".repeat(20), [d]).detail).toContain(`lists anchorer ${d.anchorer}`);
    expect(judge(bundle, d.anchorer, [{ ...d, until: "2026-02-01T00:00:00.000Z" }]).detail).toContain("outside deployment sepolia-1's period");
    expect(judge({ ...bundle, anchor: { ...bundle.anchor, chainId: 1 } }, d.anchorer, [d]).detail).toContain("is not one of the trusted deployments");
  });

  it("retires the deployment in use when a new one joins", () => {
    const next = { ...d, name: "sepolia-2", contract: "0x" + "ef".repeat(20), from: "2026-06-01T00:00:00.000Z" };
    const file = withDeployment({ format: DEPLOYMENTS_FORMAT, deployments: [d] }, next);
    expect(file.deployments).toEqual([{ ...d, until: next.from }, next]);
  });
});

describe("a bundle forged with a second ProvenanceAnchor", () => {
  let svc: TestService;
  let server: ServerType;
  let baseUrl: string;
  let rpcUrl: string;
  let victim: { accountId: string; apiKey: string };
  let forged: EvidenceBundle;
  let forgedReceipt: SearchReceipt;
  let forgerContract: string;
  let forgerAddress: string;
  const dir = mkdtempSync(path.join(tmpdir(), "imprint-trust-"));
  const forgedFile = path.join(dir, "forged.json");
  const genuineFile = path.join(dir, "genuine.json");
  const forgedReceiptFile = path.join(dir, "forged-receipt.json");

  beforeAll(async () => {
    svc = await startTestService("pglite");
    rpcUrl = svc.deps.chain.publicRpcUrl!;
    server = serve({ fetch: svc.app.fetch, hostname: "127.0.0.1", port: 0 });
    await new Promise((resolve) => server.once("listening", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    victim = await svc.newSeller("Victim");
    const form = imageForm(fixture("building.jpg"), { productId: "P1", category: "c", storeCountry: "DE" });
    const reg = await (await svc.request("/v1/originals", { method: "POST", key: victim.apiKey, body: form })).json();
    await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY });
    const genuine = await (await svc.request(`/v1/originals/${reg.id}/evidence`, { key: victim.apiKey })).json();
    writeFileSync(genuineFile, JSON.stringify(genuine));

    // The attack of issue 14, with a second ProvenanceAnchor deployed by another account.
    const forgery = await forgeEvidence(rpcUrl, victim.accountId, fixture("aloe.webp"));
    [forgerContract, forgerAddress, forged, forgedReceipt] = [forgery.contract, forgery.anchorer, forgery.bundle, forgery.receipt];
    writeFileSync(forgedReceiptFile, JSON.stringify(forgedReceipt));
    writeFileSync(forgedFile, JSON.stringify(forged));
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await svc?.stop();
  });

  it("documents the new routes in the OpenAPI document", async () => {
    const doc = await (await svc.request("/openapi.json")).json();
    for (const route of ["/.well-known/imprint-deployments.json", "/v1/signing-keys", "/v1/signing-keys/challenge", "/v1/signing-keys/{address}", "/v1/admin/reanchor"]) {
      expect(Object.keys(doc.paths)).toContain(route);
    }
  });

  it("is published with the service's deployment: the embedded anvil, marked local", async () => {
    const res = await fetch(`${baseUrl}/.well-known/imprint-deployments.json`);
    expect(res.status).toBe(200);
    const file = await res.json();
    expect(parseDeploymentsFile(file).ok).toBe(true);
    expect(file.deployments).toEqual([
      expect.objectContaining({ chainId: 31337, contract: svc.deps.chain.contract, anchorer: EMBEDDED_ANCHORER_ADDRESS.toLowerCase(), local: true }),
    ]);
  });

  it("is refused by POST /v1/verify, which names the contract and its anchorer", async () => {
    const verdict = await (
      await svc.request("/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(forged) })
    ).json();
    expect(verdict.ok).toBe(false);
    expect(verdict.trusted).toBe(false);
    expect(verdict.statement).toBeUndefined();
    // Everything the chain can say holds: only whom to trust tells the forgery apart.
    expect(verdict.checks.filter((c: { ok: boolean }) => !c.ok).map((c: { name: string }) => c.name)).toEqual(["deployment"]);
    const detail = verdict.checks.find((c: { name: string }) => c.name === "deployment").detail;
    expect(detail).toContain(forgerContract);
    expect(detail).toContain(forgerAddress);
  });

  it("is refused by POST /v1/verify as a search receipt too, naming the contract and its anchorer, never the searcher", async () => {
    const verdict = await (
      await svc.request("/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(forgedReceipt) })
    ).json();
    expect(verdict).toMatchObject({ ok: false, trusted: false });
    expect(verdict.statement).toBeUndefined();
    expect(verdict.checks.filter((c: { ok: boolean }) => !c.ok).map((c: { name: string }) => c.name)).toEqual(["deployment"]);
    const detail = verdict.checks.find((c: { name: string }) => c.name === "deployment").detail;
    expect(detail).toContain(forgerContract);
    expect(detail).toContain(forgerAddress);
    expect(JSON.stringify(verdict)).not.toContain(victim.accountId);
  });

  it("is not called verified by the CLI as a search receipt, with or without trust", async () => {
    const chainOnly = await imprint("verify", forgedReceiptFile, "--rpc", rpcUrl);
    expect(chainOnly.code).toBe(5);
    expect(chainOnly.stdout).toContain("CHAIN ONLY");
    expect(chainOnly.stdout).not.toMatch(/^VERIFIED/m);
    expect(chainOnly.stdout).not.toContain(victim.accountId);
    expect(chainOnly.stdout).toMatch(/What the chain proves: +A record of a search/);
    expect(chainOnly.stdout).toContain(`anchored by contract ${forgerContract} whose anchorer is ${forgerAddress}`);
    expect(chainOnly.stdout).toMatch(/What a deployment vouches: +No trusted deployment: who ran the search is not vouched for/);
    expect(chainOnly.stdout).toContain("WARNING: Chain 31337 is a local development chain");

    const pinned = await imprint("verify", forgedReceiptFile, "--rpc", rpcUrl, "--trust", `${baseUrl}/.well-known/imprint-deployments.json`);
    expect(pinned.code).toBe(1);
    expect(pinned.stdout).toMatch(new RegExp(`FAIL deployment +contract ${forgerContract} on chain 31337 \\(anchorer ${forgerAddress}`));
    expect(pinned.stdout).toContain("NOT VERIFIED");
    expect(pinned.stdout).not.toContain(victim.accountId);
    expect((await imprint("verify", forgedReceiptFile, "--rpc", rpcUrl, "--contract", svc.deps.chain.contract)).code).toBe(1);
    // Trusting the forger's contract is the caller's choice, and then the verdict says whom it trusted.
    const trustingForger = await imprint("verify", forgedReceiptFile, "--rpc", rpcUrl, "--contract", forgerContract);
    expect(trustingForger.code).toBe(0);
    expect(trustingForger.stdout).toContain(`Deployment contract ${forgerContract} (anchorer ${forgerAddress}) vouches that organisation ${victim.accountId}`);
  });

  it("is not called verified by the CLI, with or without trust", async () => {
    const chainOnly = await imprint("verify", forgedFile, "--rpc", rpcUrl);
    expect(chainOnly.code).toBe(5);
    expect(chainOnly.stdout).toContain("CHAIN ONLY");
    expect(chainOnly.stdout).not.toMatch(/registered by|^VERIFIED/im);
    expect(chainOnly.stdout).toContain(`anchored by contract ${forgerContract} whose anchorer is ${forgerAddress}`);
    expect(chainOnly.stdout).toContain("local development chain");

    const json = JSON.parse((await imprint("verify", forgedFile, "--rpc", rpcUrl, "--json")).stdout);
    expect(json).toMatchObject({ ok: true, trusted: false, path: "direct" });

    const pinned = await imprint("verify", forgedFile, "--rpc", rpcUrl, "--trust", `${baseUrl}/.well-known/imprint-deployments.json`);
    expect(pinned.code).toBe(1);
    expect(pinned.stdout).toMatch(/FAIL deployment\s+contract 0x/);
    expect(pinned.stdout).toContain("NOT VERIFIED");

    const byContract = await imprint("verify", forgedFile, "--rpc", rpcUrl, "--contract", svc.deps.chain.contract);
    expect(byContract.code).toBe(1);
  });

  it("leaves the genuine bundle verified by the pinned deployment, with what each party proves stated apart", async () => {
    const res = await imprint("verify", genuineFile, "--rpc", rpcUrl, "--trust", `${baseUrl}/.well-known/imprint-deployments.json`);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^VERIFIED \(anchor path: direct\)/m);
    expect(res.stdout).toContain(`registered by account ${victim.accountId}`);
    expect(res.stdout).toMatch(/What the chain proves: .*existed no later than/);
    expect(res.stdout).toMatch(/What a deployment vouches: +Deployment embedded-/);
    expect(res.stdout).toMatch(/What a signature proves: +Not signed/);
    expect(res.stdout).toContain("WARNING: Chain 31337 is a local development chain");

    const byContract = await imprint("verify", genuineFile, "--rpc", rpcUrl, "--contract", svc.deps.chain.contract);
    expect(byContract.code).toBe(0);
    const unusable = await imprint("verify", genuineFile, "--rpc", rpcUrl, "--trust", path.join(dir, "missing.json"));
    expect(unusable.code).toBe(2);
  });

  it("npm run deploy adds its deployment to the deployments file and retires the one in use", async () => {
    const file = path.join(dir, "deployments.json");
    writeFileSync(file, JSON.stringify(svc.deps.deployments.file));
    const env = { ...process.env, CHAIN_RPC_URL: rpcUrl, CHAIN_PRIVATE_KEY: OTHER_DEV_KEY, DEPLOYMENTS_FILE: file, DEPLOYMENT_NAME: "second" };
    const { stdout } = await run("npx", ["tsx", path.join(__dirname, "../scripts/deploy.ts")], { env });
    const contract = /CHAIN_CONTRACT=(0x[0-9a-fA-F]{40})/.exec(stdout)![1].toLowerCase();
    const parsed = parseDeploymentsFile(JSON.parse(readFileSync(file, "utf8")));
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    const [old, added] = parsed.file.deployments;
    expect(added).toMatchObject({ name: "second", chainId: 31337, contract, anchorer: forgerAddress, local: true });
    expect(old).toMatchObject({ contract: svc.deps.chain.contract, until: added.from });
  });
});
