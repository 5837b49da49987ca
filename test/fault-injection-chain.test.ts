/**
 * Fault injection on the chain alone: the service's embedded anvil is SIGKILLed at random moments while sellers
 * register and batches are anchored; the service restarts it from its saved state and carries on.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FaultWorkload, faultTestEnv } from "./helpers/fault-workload";
import { ServiceProcess } from "./helpers/service-process";

const KILLS = 20;
const MAX_KILL_DELAY_MS = 1_500;

describe("SIGKILL of the embedded chain at random moments", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "imprint-chain-faults-"));
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Waits until the service reports its chain up after `restarts` restarts; the pid of that anvil. */
  const waitForChain = async (s: ServiceProcess, restarts: number): Promise<number> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { chain } = await (await s.request("/readyz")).json();
      const pid = s.anvilPid();
      if (chain.reachable && chain.restarts === restarts && pid !== null) return pid;
      if (Date.now() > deadline) throw new Error(`anvil was not restarted:\n${s.lines.slice(-20).join("\n")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it(`is restarted from its saved state, and every bundle served still verifies (${KILLS} kills)`, async () => {
    const started = Date.now();
    service = ServiceProcess.spawn(faultTestEnv(dataDir));
    await service.ready;
    const work = new FaultWorkload();
    let done!: () => void;
    const driving = work.drive(service, new Promise<void>((r) => (done = r)));

    const moments: number[] = [];
    let pid = await waitForChain(service, 0);
    for (let k = 0; k < KILLS; k++) {
      const delay = Math.floor(Math.random() * MAX_KILL_DELAY_MS);
      await new Promise((r) => setTimeout(r, delay));
      process.kill(pid, "SIGKILL");
      moments.push(delay);
      pid = await waitForChain(service, k + 1);
    }
    done();
    await driving;

    await work.settle(service);
    const { roots, bundles } = await work.check(service);
    const readyz = await (await service.request("/readyz")).json();
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    console.log(
      `fault injection (chain): ${KILLS} kills in ${seconds} s, ${moments.join(", ")} ms after each restart; ` +
        `${work.acknowledged.size} acknowledged registrations in ${roots} anchored roots, ${bundles} served bundles verified, ` +
        `counts ${JSON.stringify(work.counts)}, readyz ${JSON.stringify(readyz)}`,
    );
    expect(work.violations).toEqual([]);
    expect(work.acknowledged.size).toBeGreaterThanOrEqual(KILLS);
    expect(readyz).toMatchObject({ ready: true, chain: { reachable: true, restarts: KILLS } });
    expect(service.running).toBe(true);
    // The restarted anvils too: a stop leaves nothing running (the tsx command once SIGKILLed the service
    // mid-shutdown and orphaned the anvil it had restarted; README, "Shutdown").
    await service.stop();
    expect(service.stoppedGracefully).toBe(true);
    expect(await service.strays()).toEqual([]);
  }, 600_000);
});
