/**
 * A benchmark's client for multipart uploads: each request's body is built into one Buffer and sent with node:http
 * over kept-alive connections. The benchmarks that run the service in their own process share its two cores with
 * their client, so the client should cost as little as it can: fetch with a FormData streams the body through Blob
 * and web streams, which took ~2–3 ms of CPU a request more than this on the benchmark's photos (README,
 * bench:query).
 */
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";

export interface UploadAnswer {
  status: number;
  body: unknown;
}

/** `fields` as form fields, then `bytes` as the file part named `image`, as a browser's form sends them. */
function multipartBody(fields: Record<string, string>, bytes: Uint8Array, filename = "image.jpg"): { contentType: string; body: Buffer } {
  const boundary = `----imprint-bench-${randomBytes(12).toString("hex")}`;
  const part = (disposition: string) => `--${boundary}\r\ncontent-disposition: form-data; ${disposition}\r\n`;
  let head = "";
  for (const [name, value] of Object.entries(fields)) head += `${part(`name="${name}"`)}\r\n${value}\r\n`;
  head += `${part(`name="image"; filename="${filename}"`)}content-type: application/octet-stream\r\n\r\n`;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
  };
}

/** Posts uploads to `base` (an http:// origin) and reads their JSON answers; `close()` ends its connections. */
export function uploadClient(base: string) {
  const agent = new Agent({ keepAlive: true });
  const post = (path: string, upload: { fields: Record<string, string>; bytes: Uint8Array }, headers: Record<string, string> = {}) =>
    new Promise<UploadAnswer>((resolve, reject) => {
      const { contentType, body } = multipartBody(upload.fields, upload.bytes);
      const req = request(
        new URL(path, base),
        { method: "POST", agent, headers: { ...headers, "content-type": contentType, "content-length": body.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            try {
              resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}
