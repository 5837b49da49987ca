/**
 * A service that cannot start says why and exits non-zero, as `npm start` runs it: an operator reads the reason and
 * a supervisor sees a failure, rather than a silent exit 0 or a second service writing the first one's files.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startAnvil } from "../src/chain/anvil";
import { ServiceProcess } from "./helpers/service-process";

// The services share one DATA_DIR, in this order, so that only the first start creates a database (~10 s here).
describe("a service that cannot start", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "imprint-start-failure-"));
  const missingAnvil = path.join(dataDir, "no-such-anvil");
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("refuses an anvil binary that is not there at once, saying so", async () => {
    await expect(startAnvil({ binaryPath: missingAnvil, stateFile: path.join(dataDir, "state.json") })).rejects.toThrow(/ENOENT/);
  });

  it("refuses a DATA_DIR that a running service holds, saying so, and leaves that service serving", async () => {
    const env = { DATA_DIR: dataDir, PORT: "0", EMBEDDED_CHAIN_PORT: "0" };
    const first = ServiceProcess.spawn(env);
    try {
      await first.ready;
      const second = ServiceProcess.spawn(env);
      await second.exited;
      expect(second.child.exitCode).toBe(1);
      expect(second.lines.join("\n")).toMatch(/imprint failed to start: The embedded (database|chain's state) in \S+ is in use by another process/);
      expect(await second.strays()).toEqual([]);
      await expect.poll(async () => (await first.request("/readyz")).status, { timeout: 10_000 }).toBe(200);
    } finally {
      await first.stop();
    }
    expect(first.stoppedGracefully).toBe(true);
  }, 120_000);

  it("says why and exits 1 when its embedded chain cannot be started (ANVIL_PATH names no binary)", async () => {
    const service = ServiceProcess.spawn({ DATA_DIR: dataDir, PORT: "0", EMBEDDED_CHAIN_PORT: "0", ANVIL_PATH: missingAnvil });
    await service.exited;
    expect(service.child.exitCode).toBe(1);
    expect(service.lines.join("\n")).toMatch(/imprint failed to start: spawn \S*no-such-anvil ENOENT/);
    expect(await service.strays()).toEqual([]);
  }, 60_000);
});
