import { ImprintError } from "../core/errors";
import type { ImageSource } from "../use-cases/image-source";

/** The image of a multipart request: the `image` file part or the `url` field, exactly one. */
export async function imageSourceOf(form: { image?: unknown; url?: unknown }): Promise<ImageSource> {
  const hasFile = form.image instanceof Blob;
  const url = typeof form.url === "string" && form.url.trim() !== "" ? form.url.trim() : null;
  if (hasFile === (url !== null)) {
    throw new ImprintError("image_required", "send exactly one of: an 'image' file field, or a 'url' field");
  }
  if (url !== null) return { kind: "url", url };
  return { kind: "file", bytes: Buffer.from(await (form.image as Blob).arrayBuffer()) };
}
