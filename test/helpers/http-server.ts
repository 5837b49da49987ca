import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import http from "node:http";

/** An app served by the real node server on 127.0.0.1 and a free port, as `npm start` serves it. */
export async function listen(app: { fetch: (request: Request) => Response | Promise<Response> }): Promise<{ url: string; close(): Promise<void> }> {
  let port = 0;
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) => {
      port = info.port;
      resolve(s);
    });
  });
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

export interface LocalTarget {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  port: number;
  /** Every request that reached this server. */
  hits: { method: string; url: string; host: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** A plain node:http server on 127.0.0.1 that records every request and answers with `handler`. */
export async function localServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<LocalTarget> {
  const hits: LocalTarget["hits"] = [];
  const server = http.createServer((req, res) => {
    hits.push({ method: req.method ?? "", url: req.url ?? "", host: req.headers.host ?? "", headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, port, hits, close: () => closeServer(server) };
}

function closeServer(server: { close(cb: (err?: Error) => void): unknown; closeAllConnections?(): void }): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}
