import { readFileSync } from "node:fs";
import path from "node:path";

/** Where the CLI talks to, and as whom: `--server`/`--key`, else IMPRINT_SERVER / IMPRINT_KEY. */
export interface ServerOptions {
  server: string;
  key?: string;
}

/** A field the server named in an `invalid_request` refusal (`path` "" for the request as a whole). */
export interface Issue {
  path: string;
  message: string;
}

/**
 * An answer the server refused, in its error shape. `status` 0: no answer of the API at all, the server could not
 * be reached or answered something that is not JSON (a web page: --server names something else).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterS?: number,
    readonly issues: readonly Issue[] = [],
  ) {
    super(message);
  }
}

export interface ApiClient {
  json<T>(method: string, pathname: string, body?: FormData | object): Promise<{ status: number; body: T }>;
  bytes(pathname: string): Promise<Buffer>;
}

/** A thin HTTP client for the Imprint API: one error type, the server's own error codes, a timeout per call. */
export function apiClient({ server, key }: ServerOptions, timeoutMs = 120_000): ApiClient {
  const base = server.replace(/\/+$/, "");
  const call = async (method: string, pathname: string, body?: FormData | object) => {
    const headers: Record<string, string> = {};
    if (key) headers.authorization = `Bearer ${key}`;
    let payload: FormData | string | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await fetch(base + pathname, { method, headers, body: payload, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new ApiError(0, "unreachable", `cannot reach ${base}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`);
    }
    if (response.status >= 400) {
      const text = await response.text();
      let code = `http_${response.status}`;
      let message = text.slice(0, 300);
      let issues: Issue[] = [];
      try {
        const parsed = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
        code = parsed.error?.code ?? code;
        message = parsed.error?.message ?? message;
        if (Array.isArray(parsed.error?.details)) issues = parsed.error.details.filter((d): d is Issue => typeof d?.path === "string");
      } catch {
        // not the error shape: keep the raw text
      }
      const retryAfter = Number(response.headers.get("retry-after"));
      throw new ApiError(response.status, code, message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined, issues);
    }
    return response;
  };
  return {
    async json<T>(method: string, pathname: string, body?: FormData | object) {
      const response = await call(method, pathname, body);
      const text = await response.text();
      try {
        return { status: response.status, body: JSON.parse(text) as T };
      } catch {
        const type = response.headers.get("content-type") ?? "no content type";
        throw new ApiError(0, "not_json", `${base}${pathname} answered ${response.status} with something that is not JSON (${type}): is ${base} the Imprint API?`);
      }
    },
    async bytes(pathname: string) {
      return Buffer.from(await (await call("GET", pathname)).arrayBuffer());
    },
  };
}

/** A multipart form with an image file part (read from disk unless its bytes are given), plus text fields. */
export function imageForm(file: string, fields: Record<string, string | undefined>, bytes: Buffer = readFileSync(file)): FormData {
  const form = new FormData();
  form.set("image", new Blob([new Uint8Array(bytes)]), path.basename(file));
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.set(name, value);
  return form;
}
