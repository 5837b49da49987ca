import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ImprintError } from "../../core/errors";
import { verifyUseCase } from "../../use-cases/verify";
import type { AppDeps } from "../deps";
import { errorResponses } from "../errors";
import { jsonContent, verdictSchema } from "../schemas";

const verifyForm = z.object({
  bundle: z.any().openapi({ description: "The bundle, as a JSON file part or a JSON string" }),
  image: z.any().optional().openapi({ type: "string", format: "binary" }),
});

/** POST /v1/verify: the server runs the open verifier against its own RPC; anyone can do the same offline. */
export function verifyRoutes(deps: AppDeps) {
  const app = new OpenAPIHono();
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/verify",
      summary: "Verify an evidence bundle (JSON body, or multipart with `bundle` and an optional `image`)",
      // Two body types: parsed by hand below; the form's fields are documented by `verifyForm`.
      description: "multipart fields: " + Object.keys(verifyForm.shape).join(", "),
      responses: {
        200: jsonContent(verdictSchema, "The verdict (ok may be false: that is an answer, not an error)"),
        ...errorResponses(400, 413),
      },
    }),
    async (c) => {
      const type = c.req.header("content-type") ?? "";
      let bundle: unknown;
      let image: Buffer | undefined;
      if (type.startsWith("multipart/form-data")) {
        const form = (await c.req.parseBody()) as z.infer<typeof verifyForm>;
        const text = form.bundle instanceof Blob ? await form.bundle.text() : form.bundle;
        bundle = parseJson(text);
        if (form.image instanceof Blob) image = Buffer.from(await form.image.arrayBuffer());
      } else {
        bundle = parseJson(await c.req.text());
      }
      const verdict = await verifyUseCase(deps, bundle, image);
      return c.json({ ok: verdict.ok, statement: verdict.statement, checks: verdict.checks }, 200);
    },
  );
  return app;
}

function parseJson(text: unknown): unknown {
  if (typeof text !== "string") throw new ImprintError("invalid_request", "'bundle' must be the bundle's JSON");
  try {
    return JSON.parse(text);
  } catch {
    throw new ImprintError("invalid_json", "'bundle' is not valid JSON");
  }
}
