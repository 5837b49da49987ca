import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { encryptKeystoreJson, Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainFactsReader } from "../src/chain/chain-facts";
import { createProvider } from "../src/chain/provider";
import { SIGNED_BUNDLE_FORMAT, type EvidenceBundleV2 } from "../src/core/bundle";
import { uint64ToHex } from "../src/core/hex";
import { registrationIdOf, signedLeafHash } from "../src/core/leaf";
import { SIGNATURE_DOMAIN, SIGNATURE_MAX_AGE_S, SIGNATURE_TYPES } from "../src/core/signature";
import { verifyBundleOffline } from "../src/core/verify";
import { fingerprintImage } from "../src/imaging/fingerprint";
import { verifyEvidence } from "../src/verifier/verify-evidence";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";

const run = promisify(execFile);
const cli = path.join(__dirname, "../bin/imprint.cjs");
const json = (body: unknown) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("owner-held signing keys and signed registrations (PostgreSQL)", () => {
  let svc: TestService;
  let shop: { accountId: string; apiKey: string };
  let rival: { accountId: string; apiKey: string };
  const owner = new Wallet(Wallet.createRandom().privateKey);
  const stranger = new Wallet(Wallet.createRandom().privateKey);
  const dir = mkdtempSync(path.join(tmpdir(), "imprint-signing-"));
  const keyFile = path.join(dir, "owner.key");

  /** Proves `wallet` to the service as a key of `account`. */
  const addKey = async (account: { apiKey: string }, wallet: Wallet, signer: Wallet = wallet) => {
    const challenge = await (await svc.request("/v1/signing-keys/challenge", { ...json({ address: wallet.address }), key: account.apiKey })).json();
    return svc.request("/v1/signing-keys", { ...json({ nonce: challenge.nonce, signature: await signer.signMessage(challenge.message) }), key: account.apiKey });
  };
  const sign = (wallet: Wallet, values: { sha256: string; pdq: string; phash: string; productId: string; signedAt: number }) =>
    wallet.signTypedData(SIGNATURE_DOMAIN, SIGNATURE_TYPES, values);
  const register = (account: { apiKey: string }, image: Buffer, productId: string, signed?: { signer: string; signature: string; signedAt: number }) =>
    svc.request("/v1/originals", {
      method: "POST",
      key: account.apiKey,
      body: imageForm(image, { productId, category: "shoes", storeCountry: "DE", ...(signed ? { ...signed, signedAt: String(signed.signedAt) } : {}) }),
    });

  beforeAll(async () => {
    svc = await startTestService("postgres");
    shop = await svc.newSeller("Shop");
    rival = await svc.newSeller("Rival");
    writeFileSync(keyFile, owner.privateKey);
  });
  afterAll(() => svc?.stop());

  it("registers a key only with its signature over a fresh challenge of this organisation", async () => {
    expect((await addKey(shop, owner, stranger)).status).toBe(422); // signed by another key
    const challenge = await (await svc.request("/v1/signing-keys/challenge", { ...json({ address: owner.address }), key: shop.apiKey })).json();
    expect(challenge.message).toContain(shop.accountId);
    const { stdout } = await run("node", [cli, "sign-challenge", "--key", keyFile, writeMessage(challenge.message)]);
    const signature = JSON.parse(stdout).signature;
    // Another organisation cannot use this challenge.
    expect((await svc.request("/v1/signing-keys", { ...json({ nonce: challenge.nonce, signature }), key: rival.apiKey })).status).toBe(400);
    const added = await svc.request("/v1/signing-keys", { ...json({ nonce: challenge.nonce, signature }), key: shop.apiKey });
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({ address: owner.address.toLowerCase(), accountId: shop.accountId });
    // A challenge works once.
    const again = await svc.request("/v1/signing-keys", { ...json({ nonce: challenge.nonce, signature }), key: shop.apiKey });
    expect((await again.json()).error.code).toBe("signing_key_challenge_invalid");
    // A key speaks for one organisation.
    expect((await addKey(rival, owner)).status).toBe(409);
    const list = await (await svc.request("/v1/signing-keys", { key: shop.apiKey })).json();
    expect(list.items.map((k: { address: string }) => k.address)).toEqual([owner.address.toLowerCase()]);
  });

  function writeMessage(message: string): string {
    const file = path.join(dir, "challenge.txt");
    writeFileSync(file, message);
    return file;
  }

  it("anchors a signed registration as an imprint.evidence.v2 bundle that names its signer, verified offline and by the service", async () => {
    const { stdout } = await run("node", [cli, "sign", "--key", keyFile, "--product-id", "SKU-SIGNED", "--image", path.join(__dirname, "fixtures/images/photos/building.jpg")]);
    const fields = JSON.parse(stdout);
    expect(fields.signer).toBe(owner.address.toLowerCase());
    // The same key as an encrypted JSON keystore (cheap scrypt parameters, to keep the test fast).
    const keystore = path.join(dir, "owner.json");
    writeFileSync(keystore, await encryptKeystoreJson({ address: owner.address, privateKey: owner.privateKey }, "pw", { scrypt: { N: 1024 } }));
    const fromKeystore = await run("node", [cli, "sign", "--key", keystore, "--product-id", "SKU-SIGNED", "--image", path.join(__dirname, "fixtures/images/photos/building.jpg")], {
      env: { ...process.env, IMPRINT_KEY_PASSWORD: "pw" },
    });
    expect(JSON.parse(fromKeystore.stdout).signer).toBe(fields.signer);
    const res = await register(shop, fixture("building.jpg"), "SKU-SIGNED", { signer: fields.signer, signature: fields.signature, signedAt: fields.signedAt });
    expect(res.status).toBe(201);
    const { id } = await res.json();
    await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY });
    const bundle: EvidenceBundleV2 = await (await svc.request(`/v1/originals/${id}/evidence`, { key: shop.apiKey })).json();
    expect(bundle).toMatchObject({
      format: SIGNED_BUNDLE_FORMAT,
      registration: { accountId: shop.accountId, productId: "SKU-SIGNED", signer: owner.address.toLowerCase(), signature: fields.signature, signedAt: fields.signedAt },
    });

    const verdict = await (await svc.request("/v1/verify", json(bundle))).json();
    expect(verdict.ok).toBe(true);
    expect(verdict.findings.signature).toContain(`Signed by ${owner.address.toLowerCase()} (a key of organisation ${shop.accountId}`);
    expect(verdict.statement).toContain(`signed by its key ${owner.address.toLowerCase()}`);

    // Offline and without trust, the signer is still recovered, but its organisation is not vouched for.
    const provider = createProvider(svc.deps.chain.publicRpcUrl!, { chainId: 31337 });
    const untrusted = await verifyEvidence(bundle, { readChainFacts: chainFactsReader(provider) });
    provider.destroy();
    expect(untrusted).toMatchObject({ ok: true, trusted: false });
    expect(untrusted.findings!.signature).toMatch(/^Signed by 0x[0-9a-f]{40} \(whose organisation only a trusted deployment can vouch for\)/);

    // Neither the signer, the signature nor a signed value can be changed.
    const tampered: [string, (r: EvidenceBundleV2["registration"]) => void][] = [
      ["signer", (r) => (r.signer = stranger.address.toLowerCase())],
      ["productId", (r) => (r.productId = "SKU-OTHER")],
      ["signedAt", (r) => (r.signedAt -= 1)],
      ["signature", (r) => (r.signature = r.signature.slice(0, 10) + (r.signature[10] === "0" ? "1" : "0") + r.signature.slice(11))],
    ];
    for (const [name, mutate] of tampered) {
      const copy = structuredClone(bundle);
      mutate(copy.registration);
      expect({ name, ok: verifyBundleOffline(copy).ok }).toEqual({ name, ok: false });
    }
  });

  it("refuses a wrong signer, a signature over other values, and replays", async () => {
    const image = fixture("aloe.webp");
    const fp = await fingerprintImage(image);
    const values = { sha256: fp.sha256, pdq: fp.pdq, phash: uint64ToHex(fp.phash), productId: "SKU-2", signedAt: Math.floor(Date.now() / 1000) };
    const code = async (res: Response) => (await res.json()).error?.code;

    // A key the organisation never registered.
    const strangers = { signer: stranger.address.toLowerCase(), signature: await sign(stranger, values), signedAt: values.signedAt };
    expect(await code(await register(shop, image, "SKU-2", strangers))).toBe("signer_not_registered");
    // Claiming the owner's key with the stranger's signature.
    expect(await code(await register(shop, image, "SKU-2", { ...strangers, signer: owner.address.toLowerCase() }))).toBe("signature_invalid");
    // The owner signed another product id.
    const other = { signer: owner.address.toLowerCase(), signature: await sign(owner, { ...values, productId: "SKU-9" }), signedAt: values.signedAt };
    expect(await code(await register(shop, image, "SKU-2", other))).toBe("signature_invalid");
    // Replay 1: a signature older than SIGNATURE_MAX_AGE_S.
    const oldAt = values.signedAt - SIGNATURE_MAX_AGE_S - 60;
    const stale = { signer: owner.address.toLowerCase(), signature: await sign(owner, { ...values, signedAt: oldAt }), signedAt: oldAt };
    expect(await code(await register(shop, image, "SKU-2", stale))).toBe("signature_expired");

    // Replay 2: the same signature for another registration. The shop registers, then its key changes hands.
    const good = { signer: owner.address.toLowerCase(), signature: await sign(owner, values), signedAt: values.signedAt };
    expect((await register(shop, image, "SKU-2", good)).status).toBe(201);
    expect((await register(shop, image, "SKU-2", good)).status).toBe(200); // the same request again: the same registration
    // Registered bytes sent signed again are answered only once the signature checks out, as new bytes are.
    expect(await code(await register(shop, image, "SKU-2", other))).toBe("signature_invalid");
    expect((await svc.request(`/v1/signing-keys/${owner.address}`, { method: "DELETE", key: shop.apiKey })).status).toBe(204);
    expect((await svc.request(`/v1/signing-keys/${owner.address}`, { method: "DELETE", key: shop.apiKey })).status).toBe(404);
    expect((await addKey(rival, owner)).status).toBe(201);
    expect(await code(await register(rival, image, "SKU-2", good))).toBe("signature_replayed");

    // Offline, a bundle whose registration came long after its signature fails signature-time.
    const registeredAtMs = (values.signedAt + SIGNATURE_MAX_AGE_S + 1) * 1000;
    const leaf = signedLeafHash({ ...values, ...good, phash: fp.phash, registeredAtMs, accountId: shop.accountId });
    const late = verifyBundleOffline({
      format: SIGNED_BUNDLE_FORMAT,
      registration: { id: registrationIdOf(leaf), accountId: shop.accountId, ...values, registeredAt: new Date(registeredAtMs).toISOString(), signer: good.signer, signature: good.signature },
      leaf,
      merkle: { root: leaf, proof: [] },
      anchor: { chainId: 1, contract: "0x" + "00".repeat(20), txHash: "0x" + "00".repeat(32), blockNumber: 1, blockTimestamp: values.signedAt + 3600 },
    });
    expect(late.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["signature-time"]);
  });
});
