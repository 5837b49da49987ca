import { Hono } from "hono";
import { builtOnce } from "../../web/bundle";
import { buildVerifierPage, servedPage } from "../../web/verifier/build";
import { compressedBodies, preferredCoding } from "../compressed-body";
import type { AppDeps } from "../deps";

/**
 * GET /verify: the in-browser verifier, public, built once per process on first request, with this service's
 * deployments; sent brotli- or gzip-compressed when the browser takes it (the page holds no secret and echoes nothing).
 */
export function verifyPageRoutes(deps: AppDeps) {
  const app = new Hono();
  const page = builtOnce(buildVerifierPage);
  const compressed = compressedBodies();
  app.get("/verify", async (c) => {
    const built = await page();
    const { chainId, publicRpcUrl } = deps.chain;
    const html = servedPage(built, deps.deployments.file, publicRpcUrl ? { chainId, rpcUrl: publicRpcUrl } : null);
    const headers: Record<string, string> = {
      "content-security-policy": built.contentSecurityPolicy,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      vary: "accept-encoding",
    };
    const coding = preferredCoding(c.req.header("accept-encoding"));
    if (coding === "identity") return c.html(html, 200, headers);
    const body = (await compressed(html))[coding];
    return c.body(body, 200, { ...headers, "content-type": "text/html; charset=UTF-8", "content-encoding": coding });
  });
  return app;
}
