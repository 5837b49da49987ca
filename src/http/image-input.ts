import type { Config } from "../config";
import { ImprintError } from "../core/errors";
import { fingerprintImage, type Fingerprint } from "../imaging/fingerprint";

export interface ImageInput {
  bytes: Buffer;
  /** Where the image came from, when it was fetched by URL. */
  sourceUrl: string | null;
}

export interface ImageInputOptions {
  maxBytes: number;
  fetchTimeoutMs: number;
}

/**
 * The image of a multipart request: the `image` file, or the `url` to fetch (exactly one). URL fetching is
 * bounded in time and size; hardening against SSRF (private address ranges, redirects) is a later step.
 */
export async function readImageInput(form: { image?: unknown; url?: unknown }, options: ImageInputOptions): Promise<ImageInput> {
  const hasFile = form.image instanceof Blob;
  const url = typeof form.url === "string" && form.url.trim() !== "" ? form.url.trim() : null;
  if (hasFile === (url !== null)) {
    throw new ImprintError("image_required", "send exactly one of: an 'image' file field, or a 'url' field");
  }
  if (hasFile) {
    const file = form.image as Blob;
    if (file.size > options.maxBytes) throw tooLarge(options.maxBytes);
    if (file.size === 0) throw new ImprintError("invalid_image", "the 'image' file is empty");
    return { bytes: Buffer.from(await file.arrayBuffer()), sourceUrl: null };
  }
  return { bytes: await fetchImage(url!, options), sourceUrl: url };
}

/** The request's image, read within the configured limits and fingerprinted (one decode). */
export async function receiveImage(
  form: { image?: unknown; url?: unknown },
  config: Pick<Config, "MAX_UPLOAD_BYTES" | "MAX_IMAGE_PIXELS" | "FETCH_TIMEOUT_MS">,
): Promise<ImageInput & { fingerprint: Fingerprint }> {
  const input = await readImageInput(form, { maxBytes: config.MAX_UPLOAD_BYTES, fetchTimeoutMs: config.FETCH_TIMEOUT_MS });
  const fingerprint = await fingerprintImage(input.bytes, { maxBytes: config.MAX_UPLOAD_BYTES, maxPixels: config.MAX_IMAGE_PIXELS });
  return { ...input, fingerprint };
}

function tooLarge(maxBytes: number) {
  return new ImprintError("image_too_large", `images are limited to ${maxBytes} bytes`);
}

async function fetchImage(raw: string, { maxBytes, fetchTimeoutMs }: ImageInputOptions): Promise<Buffer> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ImprintError("invalid_url", "'url' is not an absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ImprintError("invalid_url", "'url' must be http or https");
  }
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(fetchTimeoutMs), redirect: "follow" });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    throw new ImprintError(timedOut ? "fetch_timeout" : "fetch_failed", timedOut ? `fetching the URL took longer than ${fetchTimeoutMs} ms` : "the URL could not be fetched");
  }
  if (!response.ok || !response.body) {
    throw new ImprintError("fetch_failed", `the URL answered HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await response.body.cancel();
    throw tooLarge(maxBytes);
  }
  // Count while reading: a server can lie about or omit the length.
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw tooLarge(maxBytes);
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    if (error instanceof ImprintError) throw error;
    throw new ImprintError("fetch_failed", "the download was interrupted");
  }
  return Buffer.concat(chunks);
}
