import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen } from "./helpers/http-server";
import { ADMIN_KEY, fixture, startTestService, type TestService } from "./helpers/service";

const cli = path.join(__dirname, "../bin/imprint.cjs");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would; `killWhen` SIGKILLs it as soon as it returns true (polled every 20 ms). */
function imprint(args: string[], options: { cwd: string; env?: Record<string, string>; killWhen?: () => boolean }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const poll = options.killWhen
      ? setInterval(() => {
          if (options.killWhen!()) child.kill("SIGKILL");
        }, 20)
      : undefined;
    child.on("close", (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("the CLI against a running server (real HTTP)", () => {
  let svc: TestService;
  let http: { url: string; close(): Promise<void> };
  let seller: { apiKey: string };
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    svc = await startTestService("pglite");
    http = await listen(svc.app);
    seller = await svc.newSeller("bulk shop");
    dir = mkdtempSync(path.join(tmpdir(), "imprint-cli-"));
    env = { IMPRINT_SERVER: http.url, IMPRINT_KEY: seller.apiKey };
    const photos = path.join(dir, "photos");
    mkdirSync(path.join(photos, "more"), { recursive: true });
    writeFileSync(path.join(photos, "SKU-BUILDING.jpg"), fixture("building.jpg"));
    writeFileSync(path.join(photos, "SKU-ALOE.webp"), fixture("aloe.webp"));
    copyFileSync(path.join(__dirname, "fixtures/images/pdq/dih/bridge-1-original.jpg"), path.join(photos, "more", "SKU-BRIDGE.jpg"));
    writeFileSync(path.join(photos, "SKU-TINY.jpg"), fixture("home-small.jpg")); // refused: too small for an original
    writeFileSync(path.join(photos, "notes.txt"), "not an image, not picked up");
  });
  afterAll(async () => {
    await http?.close();
    await svc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("registers a folder in bulk, resumes after being killed without uploading anything twice, and summarises", async () => {
    const journal = path.join(dir, "journal.jsonl");
    const args = ["register", "photos", "--category", "plants", "--country", "DE", "--product-id-from-filename", "--concurrency", "1", "--journal", journal, "--json"];
    const lines = () => (existsSync(journal) ? readFileSync(journal, "utf8").split("\n").filter(Boolean).length : 0);
    const interrupted = await imprint(args, { cwd: dir, env, killWhen: () => lines() >= 1 });
    expect(interrupted.code).toBeNull(); // killed mid-run
    const doneBefore = lines();
    expect(doneBefore).toBeGreaterThanOrEqual(1);
    expect(doneBefore).toBeLessThan(3);

    const resumed = await imprint(args, { cwd: dir, env });
    const summary = JSON.parse(resumed.stdout);
    expect(summary).toMatchObject({ files: 4, alreadyRegistered: doneBefore, registered: 3 - doneBefore, notAttempted: 0 });
    expect(summary.refused).toEqual([{ file: path.join("photos", "SKU-TINY.jpg"), code: "image_too_small", message: expect.any(String) }]);
    expect(resumed.code).toBe(1); // one file refused

    // The server holds each photo once, with its file name as product id.
    const list = await (await svc.request("/v1/originals?limit=10", { key: seller.apiKey })).json();
    expect(list.items.map((o: { productId: string }) => o.productId).sort()).toEqual(["SKU-ALOE", "SKU-BRIDGE", "SKU-BUILDING"]);

    // A third run uploads nothing and says so in plain words.
    const again = await imprint(args.filter((a) => a !== "--json"), { cwd: dir, env });
    expect(again.stdout).toContain("4 files: 0 registered, 3 already registered, 1 refused.");
  });

  it("searches with an edited copy and prints a table; downloads the evidence once anchored; verifies it", async () => {
    const copy = path.join(dir, "copy.jpg");
    await sharp(fixture("building.jpg")).rotate(8, { background: "#fff" }).resize(600).jpeg({ quality: 60 }).toFile(copy);
    const search = await imprint(["search", copy, "--threshold", "85"], { cwd: dir, env });
    expect(search.code).toBe(0);
    expect(search.stdout.split("\n")[0]).toMatch(/^similarity\s+kind\s+id\s+product/);
    expect(search.stdout).toContain("SKU-BUILDING");
    const json = JSON.parse((await imprint(["search", copy, "--json"], { cwd: dir, env })).stdout);
    const id = json.hits[0].id as string;

    const pending = await imprint(["evidence", id], { cwd: dir, env });
    expect([pending.code, pending.stdout]).toEqual([1, expect.stringContaining("not anchored yet")]);
    expect((await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY })).status).toBe(200);
    const bundlePath = path.join(dir, "bundle.json");
    const evidence = await imprint(["evidence", id, "-o", bundlePath], { cwd: dir, env });
    expect(evidence.code).toBe(0);
    expect(JSON.parse(readFileSync(bundlePath, "utf8")).registration.id).toBe(id);
    // Verified means vouched for by a deployment the verifier pins (issue 14); without one it is chain-only (5).
    const trust = path.join(svc.config.DATA_DIR, "deployments.json");
    const verify = await imprint(["verify", bundlePath, "--rpc", svc.deps.chain.publicRpcUrl!, "--trust", trust], { cwd: dir, env: {} });
    expect(verify.code).toBe(0);
    expect((await imprint(["verify", bundlePath, "--rpc", svc.deps.chain.publicRpcUrl!], { cwd: dir, env: {} })).code).toBe(5);
  });

  it("exits with documented codes: usage 2, unreachable 3, refused key 4", async () => {
    expect((await imprint(["register", "photos"], { cwd: dir, env })).code).toBe(2);
    expect((await imprint(["frobnicate"], { cwd: dir, env })).code).toBe(2);
    const unreachable = await imprint(["search", path.join(dir, "copy.jpg")], { cwd: dir, env: { ...env, IMPRINT_SERVER: "http://127.0.0.1:9" } });
    expect(unreachable.code).toBe(3);
    const badKey = await imprint(["search", path.join(dir, "copy.jpg")], { cwd: dir, env: { ...env, IMPRINT_KEY: "imp_wrong" } });
    expect(badKey.code).toBe(4);
  });
});
