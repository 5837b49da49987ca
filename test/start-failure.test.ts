/**
 * A service that cannot start says why and exits non-zero, as `npm start` runs it: an operator reads the reason and
 * a supervisor sees a failure, rather than a silent exit 0.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startAnvil } from "../src/chain/anvil";
import { ServiceProcess } from "./helpers/service-process";

describe("a service that cannot start", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "imprint-start-failure-"));
  const missingAnvil = path.join(dataDir, "no-such-anvil");
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("refuses an anvil binary that is not there at once, saying so", async () => {
    await expect(startAnvil({ binaryPath: missingAnvil, stateFile: path.join(dataDir, "state.json") })).rejects.toThrow(/ENOENT/);
  });

  it("says why and exits 1 when its embedded chain cannot be started (ANVIL_PATH names no binary)", async () => {
    const service = ServiceProcess.spawn({ DATA_DIR: dataDir, PORT: "0", EMBEDDED_CHAIN_PORT: "0", ANVIL_PATH: missingAnvil });
    await service.exited;
    expect(service.child.exitCode).toBe(1);
    expect(service.lines.join("\n")).toMatch(/imprint failed to start: spawn \S*no-such-anvil ENOENT/);
    expect(await service.strays()).toEqual([]);
  }, 60_000);
});
