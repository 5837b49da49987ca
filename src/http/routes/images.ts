import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ImprintError } from "../../core/errors";
import { thumbnailOf } from "../../library/images";
import type { AppDeps } from "../deps";
import { errorResponses } from "../errors";

/** Thumbnails for result pages. Image ids are unguessable (96 random or hash bits), so <img> tags need no key. */
export function imagesRoutes(deps: AppDeps) {
  const app = new OpenAPIHono();
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/images/{id}/thumbnail",
      summary: "A 256 px WebP thumbnail",
      request: { params: z.object({ id: z.string().max(100) }) },
      responses: {
        200: { description: "WebP image", content: { "image/webp": { schema: z.any().openapi({ type: "string", format: "binary" }) } } },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const thumbnail = await thumbnailOf(deps.db, c.req.valid("param").id);
      if (!thumbnail) throw new ImprintError("not_found", "no such image");
      return c.body(new Uint8Array(thumbnail), 200, { "content-type": "image/webp", "cache-control": "public, max-age=86400, immutable" });
    },
  );
  return app;
}
