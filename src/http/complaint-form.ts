import type { Context } from "hono";
import { ImprintError } from "../core/errors";
import type { UploadedFile } from "../use-cases/complaints";

/** A statement is read by a person: up to 5 000 characters. */
export const MAX_STATEMENT = 5_000;

/** Multipart fields that may repeat (`originalIds`, `attachments`), read by hand: the validator keeps one of each. */
export async function readComplaintForm(c: Context) {
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("multipart/form-data")) throw new ImprintError("unsupported_media_type", "send multipart/form-data");
  const form = await c.req.parseBody({ all: true });
  const all = (name: string) => {
    const value = form[name];
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  };
  const text = (name: string, max: number, required = true) => {
    const [value, ...more] = all(name);
    if (more.length || (value !== undefined && typeof value !== "string")) throw new ImprintError("invalid_request", `'${name}' must be one text field`);
    const trimmed = (value ?? "").trim();
    if (required && !trimmed) throw new ImprintError("invalid_request", `'${name}' is required`);
    if (trimmed.length > max) throw new ImprintError("invalid_request", `'${name}' is limited to ${max} characters`);
    // Control characters have no place in text a reviewer reads (tab and newlines excepted).
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(trimmed)) throw new ImprintError("invalid_request", `'${name}' contains control characters`);
    return trimmed || undefined;
  };
  const ids = (name: string) =>
    all(name)
      .flatMap((v) => (typeof v === "string" ? v.split(",") : []))
      .map((s) => s.trim())
      .filter(Boolean);
  const files = async (): Promise<UploadedFile[]> =>
    Promise.all(
      all("attachments").map(async (v) => {
        if (!(v instanceof File)) throw new ImprintError("invalid_request", "'attachments' must be files");
        return { filename: v.name.slice(0, 200) || "attachment.pdf", bytes: Buffer.from(await v.arrayBuffer()) };
      }),
    );
  return { text, ids, files };
}
