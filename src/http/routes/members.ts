import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ROLES } from "../../accounts/actor";
import { addMemberUseCase, changeMemberRoleUseCase, listMembersUseCase, removeMemberUseCase } from "../../use-cases/members";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { idParam, jsonBody, jsonContent, keyedErrors, label, newMemberSchema } from "../schemas";

const role = z.enum(ROLES).openapi({ description: "owner, ip-manager or member (admin, reviewer: the platform's)" });

const memberSchema = z
  .object({ memberId: z.string(), name: z.string(), role, createdAt: z.string(), removedAt: z.string().nullable() })
  .openapi("Member");

/** The owner manages the organisation's members (an admin, the platform's). */
export function membersRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  const auth = bearerAuth(deps.db);

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/members",
      summary: "Add a member (owner); their API key is shown only in this answer",
      middleware: [auth] as const,
      request: jsonBody(z.object({ name: label(200), role })),
      responses: { 201: jsonContent(newMemberSchema, "Added"), ...keyedErrors(400) },
    }),
    async (c) => c.json(await addMemberUseCase(deps, c.get("actor"), c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/members",
      summary: "The organisation's members, removed ones included",
      middleware: [auth] as const,
      responses: { 200: jsonContent(z.object({ items: z.array(memberSchema) }), "The members"), ...keyedErrors() },
    }),
    async (c) => c.json({ items: await listMembersUseCase(deps, c.get("actor")) }, 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/v1/members/{id}",
      summary: "Give a member another role",
      middleware: [auth] as const,
      request: { params: idParam, ...jsonBody(z.object({ role })) },
      responses: { 200: jsonContent(memberSchema, "The member"), ...keyedErrors(400, 404, 409) },
    }),
    async (c) => c.json(await changeMemberRoleUseCase(deps, c.get("actor"), c.req.valid("param").id, c.req.valid("json").role), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/members/{id}",
      summary: "Remove a member; all of their keys are revoked at once",
      middleware: [auth] as const,
      request: { params: idParam },
      responses: { 200: jsonContent(memberSchema, "The removed member"), ...keyedErrors(404, 409) },
    }),
    async (c) => c.json(await removeMemberUseCase(deps, c.get("actor"), c.req.valid("param").id), 200),
  );
  return app;
}
