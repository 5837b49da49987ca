import { randomUUID } from "node:crypto";
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import type { Actor } from "../accounts/actor";
import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import { severityOf, type ErrorCodeEnv } from "./errors";

export type RequestLogEnv = { Variables: { requestId: string; log: Logger; actor?: Actor } & ErrorCodeEnv["Variables"] };

/** A client's own request id is kept when it is a plain token; anything else is replaced. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{8,100}$/;

/**
 * One JSON line per request (id, route pattern, status, error code, latency, organisation and member; never keys,
 * bodies or images), its latency in the metrics, and `X-Request-Id` on the answer. Handlers and the error mapping
 * log through `c.get("log")`, which carries the request id. The line's level says whether an operator should
 * look: a client's mistake or documented load shedding is info, an unexpected failure an error (severityOf).
 */
export function requestLog(log: Logger, metrics?: Metrics) {
  return createMiddleware<RequestLogEnv>(async function requestLogMiddleware(c, next) {
    const started = performance.now();
    const claimed = c.req.header("x-request-id");
    const requestId = claimed && CLIENT_REQUEST_ID.test(claimed) ? claimed : randomUUID();
    const requestLog = log.child({ requestId });
    c.set("requestId", requestId);
    c.set("log", requestLog);
    await next();
    c.header("X-Request-Id", requestId);
    const seconds = (performance.now() - started) / 1000;
    // The last matched route is the handler's pattern; a request no route took matched only middleware ("*").
    const pattern = routePath(c, -1);
    const route = pattern.includes("*") ? "unmatched" : pattern;
    const { status } = c.res;
    metrics?.observeRequest({ method: c.req.method, route, status }, seconds);
    const actor = c.get("actor");
    const code = status >= 400 ? c.get("errorCode") : undefined;
    requestLog[severityOf(status, code)](
      {
        method: c.req.method,
        route,
        status,
        ...(code ? { code } : {}),
        ms: Math.round(seconds * 10_000) / 10,
        ...(actor ? { organisation: actor.organisationId, member: actor.memberId } : {}),
      },
      "request",
    );
  });
}
