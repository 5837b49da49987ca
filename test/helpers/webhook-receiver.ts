import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedEvent {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  event: { id: string; type: string; createdAt: string; data: Record<string, any> };
}

/**
 * A webhook receiver on a free local port that answers 204 and keeps every delivery. `until` waits for what a test
 * expects, since deliveries run in the background.
 */
export async function startWebhookReceiver() {
  const received: ReceivedEvent[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ path: req.url ?? "", headers: req.headers, body, event: JSON.parse(body) });
      res.writeHead(204).end();
    });
  }).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    /** Waits until `select` picks at least `n` deliveries; returns them. */
    async until(select: (e: ReceivedEvent) => boolean, n = 1, timeoutMs = 30_000): Promise<ReceivedEvent[]> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.filter(select);
        if (found.length >= n) return found;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} webhook deliveries (have ${found.length}; all: ${received.map((r) => `${r.path} ${r.event.type}`).join(", ")})`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Whether a delivery's Imprint-Signature is the HMAC-SHA256 of `t.body` under `secret`. */
export function signedWith(secret: string, e: ReceivedEvent): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(e.headers["imprint-signature"]));
  return m !== null && createHmac("sha256", secret).update(`${m[1]}.${e.body}`).digest("hex") === m[2];
}
