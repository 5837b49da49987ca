import type { AddressInfo } from "node:net";
import http from "node:http";
import { serve } from "@hono/node-server";

/** Serves an app over real HTTP on a free loopback port (clients in other processes: the CLI, a browser). */
export async function serveOnFreePort(app: { fetch: (request: Request) => Response | Promise<Response> }): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) => {
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => closeServer(server as http.Server) });
    });
  });
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

/** Closes a server, kept-alive client connections included (they would hold close() open). */
function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
