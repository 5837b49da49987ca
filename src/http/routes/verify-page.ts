import { Hono } from "hono";
import { builtOnce } from "../../web/bundle";
import { buildVerifierPage, servedPage } from "../../web/verifier/build";
import type { AppDeps } from "../deps";

/** GET /verify: the in-browser verifier, public, built once per process on first request, with this service's deployments. */
export function verifyPageRoutes(deps: AppDeps) {
  const app = new Hono();
  const page = builtOnce(buildVerifierPage);
  app.get("/verify", async (c) => {
    const built = await page();
    return c.html(servedPage(built, deps.deployments.file), 200, {
      "content-security-policy": built.contentSecurityPolicy,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
  });
  return app;
}
