import { Hono } from "hono";
import { buildVerifierPage, type VerifierPage } from "../../web/verifier/build";

/** GET /verify: the in-browser verifier, public, built once per process on first request. */
export function verifyPageRoutes() {
  const app = new Hono();
  let page: Promise<VerifierPage> | undefined;
  app.get("/verify", async (c) => {
    // A failed build is retried on the next request rather than cached.
    page ??= buildVerifierPage().catch((error: unknown) => {
      page = undefined;
      throw error;
    });
    const { html, contentSecurityPolicy } = await page;
    return c.html(html, 200, { "content-security-policy": contentSecurityPolicy, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" });
  });
  return app;
}
