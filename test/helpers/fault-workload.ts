/**
 * The client side of the fault-injection tests: sellers registering distinct real photos, asking for evidence
 * and for anchoring, against a service that may die at any moment. It remembers what the service acknowledged
 * and every bundle it served, and at the end checks them against the chain.
 */
import sharp from "sharp";
import { expect } from "vitest";
import { chainFactsReader } from "../../src/chain/chain-facts";
import { ANCHORED_TOPIC, provenanceAnchorInterface } from "../../src/chain/abi";
import { createProvider } from "../../src/chain/provider";
import type { EvidenceBundle } from "../../src/core/bundle";
import { verifyEvidence } from "../../src/verifier/verify-evidence";
import { ADMIN_KEY, fixture, imageForm } from "./service";
import type { ServiceProcess } from "./service-process";

/** The service on the embedded defaults in `dataDir`, anchoring and reconciling often so that kills land mid-way. */
export function faultTestEnv(dataDir: string): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    PORT: "0",
    EMBEDDED_CHAIN_PORT: "0",
    IMPRINT_ADMIN_KEY: ADMIN_KEY,
    ANCHOR_INTERVAL_MS: "200",
    RECONCILE_INTERVAL_MS: "1000",
    // The seller's key makes every request of the workload, and its settling asks for every bundle in a burst: a
    // fast service passes the default 600 a minute. Rate limiting is tested elsewhere (test/operations.test.ts).
    RATE_LIMIT_KEY_PER_MIN: "100000",
  };
}

export class FaultWorkload {
  /** Registration id → the image it registered, for every 200/201 the service answered. */
  readonly acknowledged = new Map<string, number>();
  /** Every bundle served, per registration id. */
  readonly served = new Map<string, EvidenceBundle[]>();
  /** Requests the service never answered (it died): their image is registered again later. */
  private readonly retry: number[] = [];
  private nextImage = 0;
  private sellerKey: string | undefined;
  /** Wrong answers from a live service: the test fails on any. */
  readonly violations: string[] = [];
  counts = { registered: 0, evidence200: 0, evidence202: 0, anchorCalls: 0, lostRequests: 0 };

  /** A distinct real photo (another width: other bytes, another leaf), at least 600 px as originals need. */
  private image(i: number): Promise<Buffer> {
    return sharp(fixture("building.jpg")).resize({ height: 600 + i }).jpeg({ quality: 80 }).toBuffer();
  }

  /** Drives `service` with `clients` concurrent clients until `stop` resolves (or the service dies). */
  async drive(service: ServiceProcess, stop: Promise<void>, clients = 2): Promise<void> {
    let stopping = false;
    void stop.then(() => (stopping = true));
    const client = async () => {
      while (!stopping && service.running) {
        try {
          await this.step(service);
        } catch (error) {
          await new Promise((r) => setTimeout(r, 300));
          // A request may die with the service; anything else (a wrong status, a failure while it lives) is a bug.
          if (service.running) this.violations.push(error instanceof Error ? error.message : String(error));
          else this.counts.lostRequests += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
  }

  private async step(service: ServiceProcess): Promise<void> {
    if (!this.sellerKey) {
      const res = await service.request("/v1/accounts", {
        method: "POST",
        key: ADMIN_KEY,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "fault-injection seller" }),
      });
      expect(res.status).toBe(201);
      this.sellerKey ??= ((await res.json()) as { apiKey: string }).apiKey;
    }
    const i = this.retry.shift() ?? this.nextImage++;
    const bytes = await this.image(i);
    let res: Response;
    let body: { id: string };
    try {
      res = await service.request("/v1/originals", {
        method: "POST",
        key: this.sellerKey,
        body: imageForm(bytes, { productId: `p${i}`, category: "shoes", storeCountry: "DE" }),
      });
      body = await res.json();
    } catch (error) {
      this.retry.push(i); // maybe stored, maybe not: registering the same bytes again answers the same record
      throw error;
    }
    expect([200, 201], JSON.stringify(body)).toContain(res.status);
    this.acknowledged.set(body.id, i);
    this.counts.registered += 1;
    const ids = [...this.acknowledged.keys()];
    const id = ids[Math.floor(Math.random() * ids.length)];
    await this.fetchEvidence(service, id);
    if (Math.random() < 0.2) {
      this.counts.anchorCalls += 1;
      const res = await service.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY });
      expect([200, 503]).toContain(res.status);
    }
  }

  /** GET evidence; a 200's bundle is remembered (it must verify for ever after). */
  async fetchEvidence(service: ServiceProcess, id: string): Promise<number> {
    const res = await service.request(`/v1/originals/${id}/evidence`, { key: this.sellerKey });
    const body = await res.json();
    expect([200, 202], JSON.stringify(body)).toContain(res.status);
    if (res.status === 200) {
      this.counts.evidence200 += 1;
      this.served.set(id, [...(this.served.get(id) ?? []), body as EvidenceBundle]);
    } else {
      this.counts.evidence202 += 1;
    }
    return res.status;
  }

  /** Anchors until every acknowledged registration has its bundle (the service must be up). */
  async settle(service: ServiceProcess, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const waiting = new Set(this.acknowledged.keys());
    while (waiting.size) {
      if (Date.now() > deadline) throw new Error(`${waiting.size} acknowledged registrations never got anchored`);
      await service.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY });
      for (const id of [...waiting]) if ((await this.fetchEvidence(service, id)) === 200) waiting.delete(id);
    }
  }

  /**
   * The guarantees: every acknowledged registration is anchored exactly once (its root is anchored by one
   * transaction), every bundle ever served verifies against the chain, and no root is anchored twice.
   */
  async check(service: ServiceProcess): Promise<{ roots: number; bundles: number }> {
    const chain = (await (await service.request("/v1/chain")).json()) as { rpcUrl: string; contract: string };
    const provider = createProvider(chain.rpcUrl, { chainId: 31337 });
    try {
      const logs = await provider.getLogs({ address: chain.contract, topics: [ANCHORED_TOPIC], fromBlock: 0, toBlock: "latest" });
      const txOfRoot = new Map<string, string[]>();
      for (const log of logs) {
        const root = (provenanceAnchorInterface.parseLog(log)!.args.root as string).toLowerCase();
        txOfRoot.set(root, [...(txOfRoot.get(root) ?? []), log.transactionHash]);
      }
      for (const [root, txs] of txOfRoot) expect(txs, `root ${root} anchored more than once`).toHaveLength(1);

      const readChainFacts = chainFactsReader(provider);
      let bundles = 0;
      for (const id of this.acknowledged.keys()) {
        const served = this.served.get(id) ?? [];
        expect(served.length, `no bundle for acknowledged ${id}`).toBeGreaterThan(0);
        const last = served.at(-1)!;
        expect(txOfRoot.get(last.merkle.root), `the root of ${id} is not on chain once`).toEqual([last.anchor.txHash]);
        for (const bundle of served) {
          // A bundle, once served, never changes and always verifies.
          expect(bundle).toEqual(last);
          const verdict = await verifyEvidence(bundle, { readChainFacts });
          expect(verdict.ok, `bundle of ${id} fails: ${JSON.stringify(verdict.checks.filter((c) => !c.ok))}`).toBe(true);
          bundles += 1;
        }
      }
      // Nothing the service stored is left unanchored, acknowledged or not (a request may die after its commit).
      let cursor: string | null = null;
      do {
        const page: { items: { id: string; status: string }[]; nextCursor: string | null } = await (
          await service.request(`/v1/originals?limit=100${cursor ? `&cursor=${cursor}` : ""}`, { key: this.sellerKey })
        ).json();
        for (const o of page.items) expect(o.status, `${o.id} is not anchored`).toBe("anchored");
        cursor = page.nextCursor;
      } while (cursor);
      return { roots: txOfRoot.size, bundles };
    } finally {
      provider.destroy();
    }
  }
}
