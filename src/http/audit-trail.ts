import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import type { Actor } from "../accounts/actor";
import { recordRequestUseCase } from "../use-cases/audit";
import type { AuthEnv } from "./auth";
import type { ErrorCodeEnv } from "./errors";
import type { AppDeps } from "./deps";

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The audit log's one recorder, wrapped around every route: after a state-changing request of an authenticated
 * member (whatever the answer: refusals too), it records the action (method and route pattern), the target (the
 * path's `:id`, else the id the answer created) and the outcome. Requests refused before authentication belong
 * to no organisation and are left to the service log.
 */
export function auditTrail(deps: AppDeps) {
  return createMiddleware<AuthEnv & ErrorCodeEnv>(async function auditTrailMiddleware(c, next) {
    await next();
    const actor = c.get("actor") as Actor | undefined;
    if (!actor || READS.has(c.req.method)) return;
    const action = `${c.req.method} ${routePath(c, -1)}`;
    const status = c.res.status;
    // The target is the path's id, or else the id a successful answer created (read back from its body).
    const created = status < 300 && c.req.param("id") === undefined ? createdIdOf(await jsonOf(c.res)) : undefined;
    const target = c.req.param("id") ?? (created === undefined ? null : String(created));
    const errorCode = status >= 400 ? (c.get("errorCode") ?? null) : null;
    try {
      await recordRequestUseCase(deps, actor, { action, target, status, errorCode });
    } catch (error) {
      // The request's effect already happened: answering 500 now would mislead the client. Loud in the log.
      deps.log.error({ err: error, action, memberId: actor.memberId }, "audit log write failed");
    }
  });
}

const createdIdOf = (answer: Record<string, unknown> | null) => answer?.id ?? answer?.memberId ?? answer?.accountId;

async function jsonOf(res: Response): Promise<Record<string, unknown> | null> {
  if (!res.headers.get("content-type")?.startsWith("application/json")) return null;
  try {
    return (await res.clone().json()) as Record<string, unknown>;
  } catch {
    return null;
  }
}
