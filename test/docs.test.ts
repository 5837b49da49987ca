import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "./helpers/service";

describe("API documentation", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService("pglite");
  });
  afterAll(() => svc?.stop());

  it("serves the OpenAPI 3.1 document with every route and the bearer scheme", async () => {
    const doc = await (await svc.request("/openapi.json")).json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/originals", "/v1/search", "/v1/verify", "/v1/listings"]));
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("serves an interactive page at /docs whose scripts and styles come from this server, not a CDN", async () => {
    const page = await svc.request("/docs");
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const html = await page.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBe(3);
    for (const ref of refs) {
      expect(ref.startsWith("/docs/")).toBe(true);
      const asset = await svc.request(ref);
      expect(asset.status).toBe(200);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(50);
    }
  });
});
