import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainFactsReader } from "../src/chain/chain-facts";
import { createProvider } from "../src/chain/provider";
import { verifyEvidence } from "../src/verifier/verify-evidence";
import { engines } from "./helpers/databases";
import { inkedShare, pdfAttachments, pdfText, renderPages } from "./helpers/pdf";
import { ADMIN_KEY, fixture, imageForm, startTestService, type TestService } from "./helpers/service";

describe.each(engines)("GET /v1/originals/:id/certificate.pdf on %s", (engine) => {
  let svc: TestService;
  let seller: { accountId: string; apiKey: string };
  let id: string;

  beforeAll(async () => {
    svc = await startTestService(engine, { PUBLIC_BASE_URL: "https://imprint.example" });
    seller = await svc.newSeller("深圳光影贸易 Light & Shadow Ltd");
    const form = imageForm(fixture("building.jpg"), { productId: "SKU-红-42", category: "建筑 prints", storeCountry: "CN", title: "夏季新款：白色公寓楼 龘 — summer edition" });
    const res = await svc.request("/v1/originals", { method: "POST", key: seller.apiKey, body: form });
    expect(res.status).toBe(201);
    id = (await res.json()).id;
  });
  afterAll(() => svc?.stop());

  it("answers 202 with the status until the registration is anchored", async () => {
    const res = await svc.request(`/v1/originals/${id}/certificate.pdf`, { key: seller.apiKey });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ id, status: "pending" });
  });

  it("once anchored: a PDF whose attached bundle verifies on the chain, with every page inked and the facts in both languages", async () => {
    expect((await svc.request("/v1/admin/anchor", { method: "POST", key: ADMIN_KEY })).status).toBe(200);
    // The rule is the bundle's: another account may fetch it too.
    const other = await svc.newSeller("Someone else");
    const res = await svc.request(`/v1/originals/${id}/certificate.pdf`, { key: other.apiKey });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toContain(`certificate-${id}.pdf`);
    const pdf = new Uint8Array(await res.arrayBuffer());

    const servedBytes = Buffer.from(await (await svc.request(`/v1/originals/${id}/evidence`, { key: seller.apiKey })).arrayBuffer());
    const served = JSON.parse(servedBytes.toString("utf8"));
    const attachments = await pdfAttachments(pdf);
    expect([...attachments.keys()]).toEqual([`evidence-${id}.json`]);
    // Byte for byte what /evidence serves (as the README promises), not merely the same object.
    expect(attachments.get(`evidence-${id}.json`)!.equals(servedBytes)).toBe(true);
    const bundle = JSON.parse(attachments.get(`evidence-${id}.json`)!.toString("utf8"));
    expect(bundle).toEqual(served);
    const provider = createProvider(svc.deps.chain.publicRpcUrl!, { chainId: 31337 });
    try {
      const verdict = await verifyEvidence(bundle, { readChainFacts: chainFactsReader(provider) });
      expect(verdict.checks.filter((c) => !c.ok)).toEqual([]);
    } finally {
      provider.destroy();
    }

    const pages = await renderPages(pdf);
    expect(pages.length).toBeGreaterThanOrEqual(1);
    for (const page of pages) expect(await inkedShare(page)).toBeGreaterThan(0.01);

    const text = await pdfText(pdf);
    const r = bundle.registration, a = bundle.anchor;
    for (const expected of [
      "Certificate of registration", "图片登记证书", "SHA-256 of the file", "文件 SHA-256 哈希", "Merkle root", "默克尔根",
      "Block time (UTC)", "区块时间（UTC）", "如何自行验证本证书",
      r.id, r.sha256, r.pdq, r.phash, r.accountId, bundle.merkle.root, a.txHash, a.contract, String(a.blockNumber),
      "SKU-红-42", "夏季新款：白色公寓楼 龘", "深圳光影贸易 Light & Shadow Ltd", "https://imprint.example/verify",
      new Date(a.blockTimestamp * 1000).toISOString().replace("T", " ").replace("Z", " UTC"),
      r.registeredAt.replace("T", " ").replace("Z", " UTC"),
    ]) {
      expect(text, expected).toContain(expected);
    }
    for (const step of bundle.merkle.proof) expect(text).toContain(step);
  });

  it("answers 404 for an unknown registration and 401 without a key", async () => {
    expect((await svc.request("/v1/originals/reg_000000000000000000000000/certificate.pdf", { key: seller.apiKey })).status).toBe(404);
    expect((await svc.request(`/v1/originals/${id}/certificate.pdf`)).status).toBe(401);
  });
});
