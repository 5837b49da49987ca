import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";

/** Serves an app over real HTTP on a free loopback port (clients in other processes: the CLI, a browser). */
export async function serveOnFreePort(app: { fetch: (request: Request) => Response | Promise<Response> }): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
