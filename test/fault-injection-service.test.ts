/**
 * Fault injection: the whole service (node and its anvil) is SIGKILLed at random moments while sellers
 * register, batches are sealed and anchored and evidence is served, then started again on the same DATA_DIR.
 * Figures of a run are printed (and quoted in the README).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FaultWorkload, faultTestEnv } from "./helpers/fault-workload";
import { ServiceProcess } from "./helpers/service-process";

const KILLS = 20;
/** A kill lands this long (uniformly random) after the process acknowledged its first registration... */
const MAX_KILL_DELAY_MS = 3_000;
/** ...except in this share of rounds, where it lands during start-up (migrations, anvil, deployment check). */
const STARTUP_KILL_SHARE = 0.15;

describe("SIGKILL of the whole service at random moments", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "imprint-faults-"));
  const env = faultTestEnv(dataDir);
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`keeps every acknowledged registration, anchors each once and serves only bundles that verify (${KILLS} kills)`, async () => {
    const started = Date.now();
    const work = new FaultWorkload();
    const moments: string[] = [];
    const startups: number[] = [];
    for (let round = 0; round < KILLS; round++) {
      service = ServiceProcess.spawn(env);
      // Never during the very first start: an interrupted initdb of a brand-new PGlite is not what we test.
      if (round > 0 && Math.random() < STARTUP_KILL_SHARE) {
        const delay = Math.floor(Math.random() * 3_000);
        await Promise.race([new Promise((r) => setTimeout(r, delay)), service.exited]);
        moments.push(`start+${delay}ms${service.url ? " (up)" : ""}`);
      } else {
        const spawned = Date.now();
        await service.ready;
        startups.push(Date.now() - spawned);
        let release!: () => void;
        const kill = new Promise<void>((r) => (release = r));
        const driving = work.drive(service, kill);
        // The clock starts at this process's first acknowledged registration: a fresh process spends its first
        // seconds loading the feature extractor, and a round that never registers tests little.
        const before = work.counts.registered;
        for (let i = 0; i < 600 && work.counts.registered === before && service.running; i++) await new Promise((r) => setTimeout(r, 50));
        const delay = Math.floor(Math.random() * MAX_KILL_DELAY_MS);
        await new Promise((r) => setTimeout(r, delay));
        release();
        await service.kill(); // in the middle of whatever the clients, the batcher and the reconciler are doing
        await driving;
        moments.push(`ack+${delay}ms`);
      }
      await service.kill();
    }

    service = ServiceProcess.spawn(env);
    await service.ready;
    await work.settle(service);
    const { roots, bundles } = await work.check(service);
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    console.log(
      `fault injection (service): ${KILLS} kills in ${seconds} s at ${moments.join(", ")}; start-up took ${startups.join(", ")} ms; ` +
        `${work.acknowledged.size} acknowledged registrations in ${roots} anchored roots, ${bundles} served bundles verified, ` +
        `counts ${JSON.stringify(work.counts)}`,
    );
    expect(work.violations).toEqual([]);
    // Enough acknowledged registrations to have crossed every stage many times (a loaded machine registers fewer).
    expect(work.acknowledged.size).toBeGreaterThanOrEqual(KILLS);
    await service.stop();
    expect(service.stoppedGracefully).toBe(true);
    expect(await service.strays()).toEqual([]);
  }, 600_000);
});
