import { readFileSync } from "node:fs";
import path from "node:path";
import { Hono } from "hono";

/** The Swagger UI files the page needs, served from node_modules: the docs work without any CDN. */
const ASSETS = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
} as const;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Imprint API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>`;

// A file, not an inline script, so that a strict Content-Security-Policy (script-src 'self') can cover the page.
const INIT = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: false });`;

/** Interactive API documentation at /docs over the OpenAPI document at /openapi.json. */
export function docsRoutes() {
  const app = new Hono();
  const dist = path.dirname(require.resolve("swagger-ui-dist/package.json"));
  // Read on first use, then kept: the bundle is ~1.5 MB and never changes while the process runs.
  const cache = new Map<string, Buffer>();
  app.get("/docs", (c) => c.html(PAGE));
  app.get("/docs/init.js", (c) => c.body(INIT, 200, { "content-type": "text/javascript; charset=utf-8" }));
  for (const [name, type] of Object.entries(ASSETS)) {
    app.get(`/docs/${name}`, (c) => {
      let body = cache.get(name);
      if (!body) cache.set(name, (body = readFileSync(path.join(dist, name))));
      return c.body(new Uint8Array(body), 200, { "content-type": type, "cache-control": "public, max-age=86400" });
    });
  }
  return app;
}
