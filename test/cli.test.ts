import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OTHER_DEV_KEY } from "./helpers/anvil";
import { listen, localServer } from "./helpers/http-server";
import { ADMIN_KEY, fixture, startTestService, type TestService } from "./helpers/service";

const cli = path.join(__dirname, "../bin/imprint.cjs");

interface Run {
  code: number | null;
  stdout: string;
  /** stdout as written, for binary output (a PDF with `-o -`). */
  stdoutBytes: Buffer;
  stderr: string;
}

/** Runs the CLI as a user would; `killWhen` SIGKILLs it as soon as it returns true (polled every 20 ms). */
function imprint(args: string[], options: { cwd: string; env?: Record<string, string>; killWhen?: () => boolean }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env } });
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => stdout.push(d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const poll = options.killWhen
      ? setInterval(() => {
          if (options.killWhen!()) child.kill("SIGKILL");
        }, 20)
      : undefined;
    child.on("close", (code) => {
      clearInterval(poll);
      const stdoutBytes = Buffer.concat(stdout);
      resolve({ code, stdout: stdoutBytes.toString("utf8"), stdoutBytes, stderr });
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
    // A file the server committed after the last journal line but before the kill is answered as already
    // registered (the server is idempotent): either way each photo is uploaded to completion once more at most.
    expect(summary).toMatchObject({ files: 4, notAttempted: 0 });
    expect(summary.alreadyRegistered).toBeGreaterThanOrEqual(doneBefore);
    expect(summary.registered + summary.alreadyRegistered).toBe(3);
    expect(summary.refused).toEqual([{ file: path.join("photos", "SKU-TINY.jpg"), code: "image_too_small", message: expect.any(String) }]);
    expect(resumed.code).toBe(1); // one file refused
    // Which file became which registration, for every file not refused.
    expect(summary.registrations.map((r: { file: string }) => path.basename(r.file)).sort()).toEqual(["SKU-ALOE.webp", "SKU-BRIDGE.jpg", "SKU-BUILDING.jpg"]);
    expect(summary.registrations.every((r: { id: string }) => /^reg_[0-9a-f]{24}$/.test(r.id))).toBe(true);

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
    expect(search.stdout.split("\n")[0]).toMatch(/^similarity\s+kind\s+yours\s+id\s+product/);
    // The seller's own original: "yes" under yours.
    expect(search.stdout).toMatch(/^\d+\.\d\s+original\s+yes\s+reg_\S+\s+SKU-BUILDING/m);
    expect(search.stdout).toMatch(/^search record: srch_[0-9a-f]{24}$/m); // what sealing it as a receipt takes
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
  it("verify: a chain no RPC could read is 'could not check' (3), for a bundle and a receipt, never 'not verified'", async () => {
    const bundlePath = path.join(dir, "bundle.json");
    const rpc = svc.deps.chain.publicRpcUrl!;
    const down = "http://127.0.0.1:1";
    const unread = await imprint(["verify", bundlePath, "--rpc", down], { cwd: dir, env: {} });
    expect(unread.code).toBe(3);
    expect(unread.stdout).toContain("COULD NOT CHECK: the chain could not be read");
    expect(unread.stdout).not.toContain("NOT VERIFIED");
    expect(JSON.parse((await imprint(["verify", bundlePath, "--rpc", down, "--json"], { cwd: dir, env: {} })).stdout)).toMatchObject({ ok: false, chainUnread: true });

    // A search receipt, sealed and anchored: chain-only (5) with its RPC, could not check (3) without.
    const search = JSON.parse((await imprint(["search", path.join(dir, "copy.jpg"), "--json"], { cwd: dir, env })).stdout);
    expect((await svc.request(`/v1/searches/${search.searchId}/seal`, { method: "POST", key: seller.apiKey })).status).toBe(202);
    expect((await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY })).status).toBe(200);
    const receipt = await svc.request(`/v1/searches/${search.searchId}/receipt`, { key: seller.apiKey });
    expect(receipt.status).toBe(200);
    const receiptPath = path.join(dir, "receipt.json");
    writeFileSync(receiptPath, await receipt.text());
    expect((await imprint(["verify", receiptPath, "--rpc", rpc], { cwd: dir, env: {} })).code).toBe(5);
    const receiptUnread = await imprint(["verify", receiptPath, "--rpc", down], { cwd: dir, env: {} });
    expect([receiptUnread.code, receiptUnread.stdout]).toEqual([3, expect.stringContaining("COULD NOT CHECK")]);

    // A --trust URL that does not answer is as unchecked as an RPC that does not.
    expect((await imprint(["verify", bundlePath, "--rpc", rpc, "--trust", `${down}/.well-known/imprint-deployments.json`], { cwd: dir, env: {} })).code).toBe(3);

    // Windows editors save JSON with a byte order mark: the bundle and the deployments file still read.
    const trust = path.join(svc.config.DATA_DIR, "deployments.json");
    writeFileSync(path.join(dir, "bom-bundle.json"), "\uFEFF" + readFileSync(bundlePath, "utf8"));
    writeFileSync(path.join(dir, "bom-trust.json"), "\uFEFF" + readFileSync(trust, "utf8"));
    expect((await imprint(["verify", "bom-bundle.json", "--rpc", rpc, "--trust", "bom-trust.json"], { cwd: dir, env: {} })).code).toBe(0);
  });

  it("evidence -o - writes the certificate PDF itself to stdout, not a file named '-'", async () => {
    const id = JSON.parse(readFileSync(path.join(dir, "bundle.json"), "utf8")).registration.id as string;
    const pdf = await imprint(["evidence", id, "--pdf", "-o", "-"], { cwd: dir, env });
    expect(pdf.code).toBe(0);
    expect(pdf.stdoutBytes.subarray(0, 5).toString()).toBe("%PDF-");
    expect(pdf.stdoutBytes.subarray(-8).toString()).toContain("%%EOF"); // all of it, not cut by the exit
    expect(existsSync(path.join(dir, "-"))).toBe(false);
  });

  it("register stops at the first refusal every file would get: invalid shared fields, a wrong route, a key refused or lacking the role", async () => {
    const journal = path.join(dir, "refusals.jsonl");
    const args = ["register", "photos", "--category", "plants", "--product-id-from-filename", "--concurrency", "1", "--journal", journal, "--json"];
    const stopped = async (extra: string[], runEnv: Record<string, string>) => {
      const run = await imprint([...args, ...extra], { cwd: dir, env: runEnv });
      // One upload answered, nothing else attempted: no per-file progress line, no file counted as refused.
      expect(run.stderr).not.toMatch(/\[\d+\/4\]/);
      return { code: run.code, summary: JSON.parse(run.stdout), stderr: run.stderr };
    };

    const country = await stopped(["--country", "Germany"], env);
    expect(country).toMatchObject({ code: 2, summary: { registered: 0, refused: [], notAttempted: 4, stoppedBy: { code: "invalid_request" } } });
    expect(country.stderr).toContain("storeCountry");
    expect(country.stderr).not.toContain("Run the same command again");

    const route = await stopped(["--country", "DE", "--server", `${http.url}/api`], env);
    expect(route).toMatchObject({ code: 2, summary: { stoppedBy: { code: "not_found" } } });
    expect(route.stderr).not.toContain("Run the same command again");

    const unknownKey = await stopped(["--country", "DE"], { ...env, IMPRINT_KEY: "imp_wrong" });
    expect(unknownKey.code).toBe(4);
    expect(unknownKey.stderr).toContain("the server refused the key");
    const member = (await (
      await svc.request("/v1/members", { method: "POST", key: seller.apiKey, headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "clerk", role: "member" }) })
    ).json()) as { apiKey: string };
    const memberRun = await stopped(["--country", "DE"], { ...env, IMPRINT_KEY: member.apiKey });
    expect(memberRun.code).toBe(4);
    expect(memberRun.stderr).toContain("lacks the role");
    for (const run of [unknownKey, memberRun]) expect(run.stderr).not.toContain("Run the same command again");
  });

  it("register follows symbolic links to files and folders, walks a folder once however it is reached, and names a dangling link", async () => {
    const catalogue = path.join(dir, "catalogue");
    mkdirSync(catalogue);
    symlinkSync(path.join(dir, "photos"), path.join(catalogue, "photos"));
    symlinkSync(catalogue, path.join(catalogue, "again")); // a loop
    symlinkSync(path.join(dir, "photos", "SKU-ALOE.webp"), path.join(catalogue, "aloe.webp"));
    symlinkSync(path.join(dir, "gone.jpg"), path.join(catalogue, "gone.jpg"));
    // The first test's journal: what it registered is skipped by SHA-256, so only the too-small photo is uploaded.
    const run = await imprint(["register", "catalogue", "--category", "plants", "--country", "DE", "--product-id-from-filename", "--journal", path.join(dir, "journal.jsonl"), "--json"], { cwd: dir, env });
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ files: 5, registered: 0, alreadyRegistered: 4, notAttempted: 0 });
    expect(summary.refused).toEqual([expect.objectContaining({ file: path.join("catalogue", "photos", "SKU-TINY.jpg"), code: "image_too_small" })]);
    expect(run.stderr).toContain(`skipped ${path.join("catalogue", "gone.jpg")}`);
  });

  it("a journal that cannot be written stops register before the first upload", async () => {
    const fresh = await svc.newSeller("journal-less shop");
    const run = await imprint(["register", "photos", "--category", "plants", "--country", "DE", "--product-id-from-filename", "--journal", path.join(dir, "no-such-dir", "j.jsonl")], { cwd: dir, env: { ...env, IMPRINT_KEY: fresh.apiKey } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("cannot use the journal");
    const list = await (await svc.request("/v1/originals?limit=10", { key: fresh.apiKey })).json();
    expect(list.items).toEqual([]);
  });

  it("with --json, stdout carries only JSON, errors included; every error goes to stderr", async () => {
    const failures = [
      { args: ["search", "nope.jpg"], code: 2, error: "input" },
      { args: ["evidence", "reg_nope"], code: 2, error: "not_found" },
      { args: ["verify", "nope.json"], code: 2, error: "input" },
      { args: ["register", "photos"], code: 2, error: "usage" },
    ];
    for (const failure of failures) {
      const run = await imprint([...failure.args, "--json"], { cwd: dir, env });
      expect([run.code, JSON.parse(run.stdout)]).toEqual([failure.code, { error: { code: failure.error, message: expect.any(String) } }]);
      expect(run.stderr).toContain(JSON.parse(run.stdout).error.message);
      // Without --json the error is still on stderr alone.
      expect((await imprint(failure.args, { cwd: dir, env })).stdout).toBe("");
    }
  });

  it("a server that answers a web page instead of JSON is reported as 'not the API' (3), not a crash", async () => {
    const page = await localServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<!doctype html><title>Welcome</title>");
    });
    try {
      const pageEnv = { ...env, IMPRINT_SERVER: page.origin };
      const search = await imprint(["search", path.join(dir, "copy.jpg"), "--json"], { cwd: dir, env: pageEnv });
      expect([search.code, JSON.parse(search.stdout).error.code]).toEqual([3, "not_json"]);
      expect(search.stderr).toContain("not JSON");
      const register = await imprint(["register", "photos", "--category", "plants", "--country", "DE", "--product-id-from-filename", "--journal", path.join(dir, "page.jsonl")], { cwd: dir, env: pageEnv });
      expect(register.code).toBe(3);
      expect(register.stderr).toContain("is " + page.origin + " the Imprint API?");
      expect(register.stderr).not.toContain("Unexpected token");
    } finally {
      await page.close();
    }
  });
});

describe("the CLI without a server", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "imprint-cli-local-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints the usage on stdout with exit 0 for --help and -h, on every command", async () => {
    for (const args of [["--help"], ["-h"], ["help"], ["register", "--help"], ["verify", "-h"], ["sign", "--help"]]) {
      const run = await imprint(args, { cwd: dir });
      expect([run.code, run.stderr]).toEqual([0, ""]);
      expect(run.stdout).toMatch(/^usage: imprint <command>/);
    }
  });

  it("sign and sign-challenge take --json like every command, and read a key file saved with a byte order mark", async () => {
    writeFileSync(path.join(dir, "owner.key"), "\uFEFF" + OTHER_DEV_KEY + "\n");
    const hex = (bytes: number) => "0x" + "ab".repeat(bytes);
    const sign = await imprint(["sign", "--key", "owner.key", "--product-id", "SKU-1", "--sha256", hex(32), "--pdq", hex(32), "--phash", hex(8), "--json"], { cwd: dir });
    expect(sign.code).toBe(0);
    expect(JSON.parse(sign.stdout)).toMatchObject({ signer: expect.stringMatching(/^0x[0-9a-f]{40}$/), productId: "SKU-1" });
    writeFileSync(path.join(dir, "challenge.txt"), "imprint signing-key challenge 123");
    const challenge = await imprint(["sign-challenge", "--key", "owner.key", "challenge.txt", "--json"], { cwd: dir });
    expect(challenge.code).toBe(0);
    expect(JSON.parse(challenge.stdout).address).toBe(JSON.parse(sign.stdout).signer);
  });
});
