import { ImprintError } from "../core/errors";
import { thumbnailOf } from "../library/images";
import type { UseCaseDeps } from "./context";

/** Thumbnails for result pages. Image ids are unguessable (96 random or hash bits), so <img> tags need no key. */
export async function thumbnailUseCase(deps: UseCaseDeps, imageId: string): Promise<Buffer> {
  const thumbnail = await thumbnailOf(deps.db, imageId);
  if (!thumbnail) throw new ImprintError("not_found", "no such image");
  return thumbnail;
}
