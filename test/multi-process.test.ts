/**
 * Three service processes started at once on one empty PostgreSQL database and one chain (one anchorer key):
 * they all migrate without error, and whichever process takes a registration, it is anchored exactly once.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { ANCHORED_TOPIC, provenanceAnchorInterface } from "../src/chain/abi";
import { openDatabase } from "../src/db/client";
import { EMBEDDED_ANCHORER_KEY } from "../src/chain/anvil";
import { chainFactsReader } from "../src/chain/chain-facts";
import { deployAnchor } from "../src/chain/deploy";
import { writeDeploymentsFile } from "../src/chain/deployments-file";
import { blockTimestamp } from "../src/chain/receipt";
import { withDeployment } from "../src/core/deployments";
import { isoOfSeconds } from "../src/core/time";
import { verifyEvidence } from "../src/verifier/verify-evidence";
import { startTestChain, type TestChain } from "./helpers/anvil";
import { postgresAdminUrl } from "./helpers/databases";
import { ADMIN_KEY, fixture, imageForm } from "./helpers/service";
import { ServiceProcess } from "./helpers/service-process";

const PROCESSES = 3;
const REGISTRATIONS = 12;

describe(`${PROCESSES} processes on one PostgreSQL`, () => {
  const name = `imprint_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(postgresAdminUrl, { max: 1, onnotice: () => {} });
  const dataDir = mkdtempSync(path.join(tmpdir(), "imprint-multi-"));
  const services: ServiceProcess[] = [];
  let chain: TestChain | undefined;
  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill()));
    await chain?.stop();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end({ timeout: 5 });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("migrate together without error, and anchor each registration once whichever process took it", async () => {
    await admin.unsafe(`create database ${name}`); // empty: the processes race to migrate it
    const url = new URL(postgresAdminUrl);
    url.pathname = `/${name}`;
    chain = await startTestChain();
    const deployed = await deployAnchor(chain.wallet);
    const contract = deployed.address;
    // The service vouches only for contracts its deployments file lists: the operator's one file, for all three.
    const deploymentsFile = path.join(dataDir, "deployments.json");
    writeDeploymentsFile(
      deploymentsFile,
      withDeployment(null, {
        name: "multi",
        chainId: 31337,
        contract: contract.toLowerCase(),
        anchorer: deployed.anchorer.toLowerCase(),
        from: isoOfSeconds(await blockTimestamp(chain.provider, deployed.blockNumber)),
        local: true,
      }),
    );
    for (let i = 0; i < PROCESSES; i++) {
      services.push(
        ServiceProcess.spawn({
          DATABASE_URL: url.toString(),
          CHAIN_RPC_URL: chain.rpcUrl,
          CHAIN_PRIVATE_KEY: EMBEDDED_ANCHORER_KEY,
          CHAIN_CONTRACT: contract,
          DEPLOYMENTS_FILE: deploymentsFile,
          DATA_DIR: path.join(dataDir, String(i)),
          PORT: "0",
          IMPRINT_ADMIN_KEY: ADMIN_KEY,
          ANCHOR_INTERVAL_MS: "150",
          RECONCILE_INTERVAL_MS: "1000",
        }),
      );
    }
    await Promise.all(services.map((s) => s.ready));

    const db = postgres(url.toString(), { max: 1, onnotice: () => {} });
    const [{ n }] = await db`select count(*)::int as n from drizzle.__drizzle_migrations`;
    await db.end();
    expect(n).toBe(readdirSync(path.join(__dirname, "../drizzle")).filter((f) => f.endsWith(".sql")).length);

    const seller = await (
      await services[0].request("/v1/accounts", { method: "POST", key: ADMIN_KEY, headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "s" }) })
    ).json();
    // Registrations through every process, while timers in all three try to anchor and an admin asks too.
    const ids = await Promise.all(
      Array.from({ length: REGISTRATIONS }, async (_, i) => {
        const bytes = await sharp(fixture("home-small.jpg")).resize({ height: 600 + i }).jpeg().toBuffer();
        const res = await services[i % PROCESSES].request("/v1/originals", {
          method: "POST",
          key: seller.apiKey,
          body: imageForm(bytes, { productId: `p${i}`, category: "c", storeCountry: "FR" }),
        });
        expect(res.status).toBe(201);
        if (i % 4 === 3) expect((await services[(i + 1) % PROCESSES].request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY })).status).toBe(200);
        return (await res.json()).id as string;
      }),
    );

    const bundles = new Map<string, { merkle: { root: string }; anchor: { txHash: string } }>();
    const deadline = Date.now() + 60_000;
    while (bundles.size < ids.length && Date.now() < deadline) {
      for (const [i, id] of ids.entries()) {
        if (bundles.has(id)) continue;
        const res = await services[(i + 2) % PROCESSES].request(`/v1/originals/${id}/evidence`, { key: seller.apiKey });
        if (res.status === 200) bundles.set(id, await res.json());
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(bundles.size).toBe(ids.length);

    const logs = await chain.provider.getLogs({ address: contract, topics: [ANCHORED_TOPIC], fromBlock: 0, toBlock: "latest" });
    const anchoredRoots = logs.map((l) => (provenanceAnchorInterface.parseLog(l)!.args.root as string).toLowerCase());
    expect(new Set(anchoredRoots).size).toBe(anchoredRoots.length); // no root twice
    const bundleRoots = new Set([...bundles.values()].map((b) => b.merkle.root));
    expect(new Set(anchoredRoots)).toEqual(bundleRoots); // every anchor is one of ours, and ours are all there
    const readChainFacts = chainFactsReader(chain.provider);
    for (const bundle of bundles.values()) expect((await verifyEvidence(bundle, { readChainFacts })).ok).toBe(true);
    // Nothing failed on the way: no nonce clash between anchoring processes (each anchor took one transaction).
    expect(await chain.provider.getTransactionCount(chain.address)).toBe(1 + anchoredRoots.length);
    for (const s of services) expect(s.lines.filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
    await Promise.all(services.map((s) => s.stop()));
  }, 300_000);

  it("migrates an empty database once when three connections open it at the same moment (without the lock two fail)", async () => {
    const other = `${name}_m`;
    await admin.unsafe(`create database ${other}`);
    const url = new URL(postgresAdminUrl);
    url.pathname = `/${other}`;
    try {
      const opened = await Promise.all([1, 2, 3].map(() => openDatabase({ engine: "postgres", url: url.toString(), max: 2 })));
      // The anchoring lock excludes across connections: while one holds it, another's tryRun does not run.
      let inside = false;
      const held = opened[0].lock("anchoring").run(async () => {
        inside = true;
        expect(await opened[1].lock("anchoring").tryRun(async () => "ran")).toBeNull();
      });
      await held;
      expect(inside).toBe(true);
      expect(await opened[2].lock("anchoring").tryRun(async () => "ran")).toEqual({ value: "ran" });
      for (const d of opened) await d.close();
    } finally {
      await admin.unsafe(`drop database if exists ${other} with (force)`);
    }
  });
});
