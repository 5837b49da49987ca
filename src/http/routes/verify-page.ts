import { Hono } from "hono";
import { builtOnce } from "../../web/bundle";
import { buildVerifierPage } from "../../web/verifier/build";

/** GET /verify: the in-browser verifier, public, built once per process on first request. */
export function verifyPageRoutes() {
  const app = new Hono();
  const page = builtOnce(buildVerifierPage);
  app.get("/verify", async (c) => {
    const { html, contentSecurityPolicy } = await page();
    return c.html(html, 200, { "content-security-policy": contentSecurityPolicy, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" });
  });
  return app;
}
