import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { HonoRequest } from "hono";
import { ImprintError } from "../../core/errors";
import { verifyUseCase } from "../../use-cases/verify";
import type { AppDeps } from "../deps";
import { ANALYSIS_BUSY, jsonContent, publicErrors, verdictSchema } from "../schemas";

/**
 * A bundle is ~1–2 KB (a proof of 14 steps covers 10 000 leaves). Past this cap the body is refused unparsed:
 * JSON.parse of a few MB of nested brackets costs seconds of CPU for nothing.
 */
export const MAX_BUNDLE_BYTES = 64 * 1024;

/** A bundle nests 3 levels deep; a body nested deeper is refused before parsing, and before any walk over it. */
const MAX_BUNDLE_DEPTH = 8;

const verifyForm = z.object({
  bundle: z.any().openapi({ description: "The bundle or search receipt, as a JSON file part or a JSON string" }),
  image: z.any().optional().openapi({ type: "string", format: "binary" }),
});

/**
 * POST /v1/verify: the server runs the open verifier (bundles and search receipts) against its own RPC, trusting only its own deployments;
 * anyone can do the same with `imprint verify --trust <this service>/.well-known/imprint-deployments.json`.
 */
export function verifyRoutes(deps: AppDeps) {
  const app = new OpenAPIHono();
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/verify",
      // Public: no key (the document's default security is the bearer key).
      security: [],
      summary: "Verify an evidence bundle or a search receipt (JSON body, or multipart with `bundle` and an optional `image`)",
      // Two body types: parsed by hand below; the form's fields are documented by `verifyForm`.
      description: "multipart fields: " + Object.keys(verifyForm.shape).join(", "),
      responses: {
        200: jsonContent(verdictSchema, "The verdict (ok may be false: that is an answer, not an error)"),
        ...publicErrors(400, 413, 415, 422, ANALYSIS_BUSY),
      },
    }),
    async (c) => {
      const type = c.req.header("content-type") ?? "";
      let bundle: unknown;
      let image: Buffer | undefined;
      if (type.startsWith("multipart/form-data")) {
        const form = (await parseForm(c.req)) as z.infer<typeof verifyForm>;
        const text = form.bundle instanceof Blob ? await form.bundle.text() : form.bundle;
        bundle = parseJson(text);
        if (form.image instanceof Blob) image = Buffer.from(await form.image.arrayBuffer());
      } else {
        bundle = parseJson(await c.req.text());
      }
      const { ok, trusted, path, statement, findings, checks } = await verifyUseCase(deps, bundle, image, deps.log.child({ requestId: c.get("requestId") }));
      return c.json({ ok, trusted, path, statement, findings, checks }, 200);
    },
  );
  return app;
}

async function parseForm(req: HonoRequest) {
  try {
    return await req.parseBody();
  } catch (error) {
    throw new ImprintError("malformed_body", "the multipart body could not be parsed", { cause: error });
  }
}

function parseJson(text: unknown): unknown {
  if (typeof text !== "string") throw new ImprintError("invalid_request", "'bundle' must be the bundle's JSON");
  if (Buffer.byteLength(text) > MAX_BUNDLE_BYTES) {
    throw new ImprintError("payload_too_large", `a bundle is limited to ${MAX_BUNDLE_BYTES} bytes of JSON`);
  }
  if (nestingDepthExceeds(text, MAX_BUNDLE_DEPTH)) throw new ImprintError("invalid_json", `'bundle' nests deeper than ${MAX_BUNDLE_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch {
    throw new ImprintError("invalid_json", "'bundle' is not valid JSON");
  }
}

/** Whether JSON text opens more than `max` arrays or objects at once (brackets inside strings do not count). */
function nestingDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "[" || ch === "{") {
      if (++depth > max) return true;
    } else if (ch === "]" || ch === "}") depth--;
  }
  return false;
}
