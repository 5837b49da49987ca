import type { Context } from "hono";
import { ImprintError } from "../core/errors";
import type { UploadedFile } from "../use-cases/complaints";

/** A statement is read by a person: up to 5 000 characters. */
export const MAX_STATEMENT = 5_000;

/**
 * Control characters have no place in text a reviewer reads, tab and line breaks excepted: C0, DEL and C1 (a NUL
 * is refused by PostgreSQL's text type, the others corrupt logs, reports and exports), and lone surrogates.
 */
const NOT_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\uD800-\uDFFF]/u;
/** Ids this API issues (reg_…, lst_…, srch_…, alr_…): anything else can name nothing. */
const ID = /^[A-Za-z0-9_-]{1,100}$/;
/** Ids a field may name, repeated or comma-separated: enough for the route's limit, not a flood to split. */
const MAX_IDS = 20;

/** Multipart fields that may repeat (`originalIds`, `attachments`), read by hand: the validator keeps one of each. */
export async function readComplaintForm(c: Context) {
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("multipart/form-data")) throw new ImprintError("unsupported_media_type", "send multipart/form-data");
  // A multipart body without a boundary, or framed wrong: the parser's own text stays in the log.
  const form = await c.req.parseBody({ all: true }).catch((error: unknown) => {
    throw new ImprintError("malformed_body", "the multipart body could not be parsed", { cause: error });
  });
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
    if (NOT_TEXT.test(trimmed)) throw new ImprintError("invalid_request", `'${name}' contains control characters`);
    return trimmed || undefined;
  };
  /** A required id, one text field. */
  const id = (name: string) => {
    const value = text(name, 100)!;
    if (!ID.test(value)) throw new ImprintError("invalid_request", `'${name}' is not an id this API issued`);
    return value;
  };
  const optionalId = (name: string) => (all(name).length ? id(name) : undefined);
  const ids = (name: string) => {
    const values = all(name);
    if (values.some((v) => typeof v !== "string")) throw new ImprintError("invalid_request", `'${name}' must be text fields`);
    const list = (values as string[]).flatMap((v) => v.split(",")).map((s) => s.trim()).filter(Boolean);
    if (list.length > MAX_IDS) throw new ImprintError("invalid_request", `'${name}' names at most ${MAX_IDS} ids`);
    if (!list.every((v) => ID.test(v))) throw new ImprintError("invalid_request", `'${name}' holds something that is not an id this API issued`);
    return list;
  };
  const files = async (): Promise<UploadedFile[]> =>
    Promise.all(
      all("attachments").map(async (v) => {
        if (!(v instanceof File)) throw new ImprintError("invalid_request", "'attachments' must be files");
        // The name is shown to the other party and the reviewers, and goes into reports and headers.
        if (NOT_TEXT.test(v.name)) throw new ImprintError("invalid_request", "an attachment's file name contains control characters");
        return { filename: v.name.slice(0, 200) || "attachment.pdf", bytes: Buffer.from(await v.arrayBuffer()) };
      }),
    );
  return { text, id, optionalId, ids, files };
}
