import { ImprintError } from "../core/errors";

/** Where an uploaded image comes from: the bytes of a file part, or a URL to fetch. */
export type ImageSource = { kind: "file"; bytes: Buffer } | { kind: "url"; url: string };

/** Fetches an image by URL (src/net): bounded in time and size, under the fetch policy. */
export type ImageFetcher = (url: string) => Promise<Buffer>;

export interface ReceivedImage {
  bytes: Buffer;
  /** Where the image came from, when it was fetched by URL. */
  sourceUrl: string | null;
}

/** The bytes of an image source: a file as sent (bounded by the upload limit), or the URL's answer. */
export async function receiveImage(source: ImageSource, fetchImage: ImageFetcher, maxBytes: number): Promise<ReceivedImage> {
  if (source.kind === "url") return { bytes: await fetchImage(source.url), sourceUrl: source.url };
  if (source.bytes.length === 0) throw new ImprintError("invalid_image", "the 'image' file is empty");
  if (source.bytes.length > maxBytes) throw new ImprintError("image_too_large", `images are limited to ${maxBytes} bytes`);
  return { bytes: source.bytes, sourceUrl: null };
}
