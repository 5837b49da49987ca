import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { thumbnailUseCase } from "../../use-cases/thumbnails";
import type { AppDeps } from "../deps";
import { idParam, publicErrors } from "../schemas";

export function imagesRoutes(deps: AppDeps) {
  const app = new OpenAPIHono();
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/images/{id}/thumbnail",
      // Public: no key (the document's default security is the bearer key).
      security: [],
      summary: "A 256 px WebP thumbnail",
      request: { params: idParam },
      responses: {
        200: { description: "WebP image", content: { "image/webp": { schema: z.any().openapi({ type: "string", format: "binary" }) } } },
        ...publicErrors(404),
      },
    }),
    async (c) => {
      const thumbnail = await thumbnailUseCase(deps, c.req.valid("param").id);
      return c.body(new Uint8Array(thumbnail), 200, { "content-type": "image/webp", "cache-control": "public, max-age=86400, immutable" });
    },
  );
  return app;
}
