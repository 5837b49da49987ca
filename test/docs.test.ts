import { readFileSync } from "node:fs";
import path from "node:path";
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

  it("lists every route of the OpenAPI document in the README's API table", async () => {
    const doc = (await (await svc.request("/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
    const readme = readFileSync(path.join(__dirname, "../README.md"), "utf8");
    const table = readme.slice(readme.indexOf("\n## API\n"), readme.indexOf("\n## Security\n"));
    const documented = (method: string, route: string) => new RegExp("`" + method + " " + route.replace(/[.*+?^$()|[\]\\]/g, "\\$&") + "[`?\\s]").test(table);
    const routes = Object.entries(doc.paths).flatMap(([route, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${route.replace(/\{(\w+)\}/g, ":$1")}`),
    );
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.filter((r) => !documented(...(r.split(" ") as [string, string])))).toEqual([]);
    // Each route has one row: two rows of one route drift apart.
    const rowRoutes = table
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .flatMap((line) => [...line.split(" | ")[0].matchAll(/`([A-Z]+ \/[^`?\s]*)/g)].map((m) => m[1]));
    expect(rowRoutes.filter((r, i) => rowRoutes.indexOf(r) !== i)).toEqual([]);
  });

  it("lists the statuses a route answers before its handler: 429 on /v1, 401 and 403 behind a key, 503 where images are analysed", async () => {
    const doc = (await (await svc.request("/openapi.json")).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>> };
    // The routes that run the worker pool (src/work/worker-pool.ts), which answers 503 when it is full.
    const analysing = new Set(["POST /v1/originals", "POST /v1/listings", "POST /v1/search", "POST /v1/verify"]);
    const missing: string[] = [];
    let keyed = 0;
    for (const [route, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const name = `${method.toUpperCase()} ${route}`;
        // Which routes need the key is asked of the service: the document names the bearer scheme once, for all.
        const keyless = await svc.request(route.replace(/\{\w+\}/g, "x"), { method: method.toUpperCase() });
        if (keyless.status === 401) keyed++;
        const expected = [
          ...(route.startsWith("/v1/") ? ["429"] : []),
          ...(keyless.status === 401 ? ["401", "403"] : []),
          ...(analysing.has(name) ? ["503"] : []),
        ];
        for (const status of expected) if (!(status in operation.responses)) missing.push(`${name} ${status}`);
        // A route that answers without a key says so (no security), so that a client generated from the document sends none.
        const open = operation.security?.length === 0;
        if (open !== (keyless.status !== 401)) missing.push(`${name} security ${open ? "[] but needs a key" : "missing []"}`);
      }
    }
    expect(keyed).toBeGreaterThan(40);
    expect(missing).toEqual([]);
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
