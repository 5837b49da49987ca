import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { contentDisposition } from "../content-disposition";
import {
  appealComplaintUseCase,
  complaintAttachmentUseCase,
  complaintStatsUseCase,
  decideComplaintUseCase,
  fileComplaintUseCase,
  getComplaintUseCase,
  listComplaintsUseCase,
  withdrawComplaintUseCase,
  type ComplaintView,
} from "../../use-cases/complaints";
import { complaintReportUseCase } from "../../use-cases/complaint-report";
import { bearerAuth, type AuthEnv } from "../auth";
import type { AppDeps } from "../deps";
import { idParam, jsonContent, keyedErrors, label, wholeNumber } from "../schemas";
import { absoluteUrl } from "../urls";
import { MAX_STATEMENT, readComplaintForm } from "../complaint-form";

const complaintSchema = z.object({ id: z.string(), status: z.enum(["submitted", "appealed", "upheld", "rejected", "withdrawn"]) }).passthrough().openapi("Complaint");

const complaintForm = {
  listingId: z.string().openapi({ description: "the suspected copy" }),
  originalIds: z.array(z.string()).openapi({ description: "your registered originals it copies (repeat the field, or comma-separated)" }),
  searchId: z.string().optional(),
  alertId: z.string().optional(),
  statement: z.string().openapi({ description: `up to ${MAX_STATEMENT} characters` }),
  attachments: z.array(z.any()).optional().openapi({ description: "0–5 PDFs, each ≤ 10 MB (not encrypted, no JavaScript)" }),
};
const appealForm = {
  statement: z.string(),
  originalIds: z.array(z.string()).optional().openapi({ description: "your registrations; none: the service finds those that match the listing" }),
  attachments: z.array(z.any()).optional(),
};

/** Complaints, appeals and decisions: routes parse, call one use case, and add links to the answer. */
export function complaintsRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  const auth = bearerAuth(deps.db);
  const url = (path: string) => absoluteUrl(deps.config.PUBLIC_BASE_URL, path);
  const withLinks = (v: ComplaintView) => ({
    ...v,
    listing: { ...v.listing, ...("imageId" in v.listing && v.listing.imageId ? { thumbnailUrl: url(`/v1/images/${v.listing.imageId}/thumbnail`) } : {}) },
    originals: v.originals.map((o) => ({ ...o, bundleUrl: url(`/v1/originals/${o.originalId}/evidence`) })),
    attachments: v.attachments.map((a) => ({ ...a, url: url(`/v1/complaints/${v.id}/attachments/${a.id}`) })),
  });

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/complaints",
      summary: "File a complaint against a listing that copies your registered originals (owner, ip-manager)",
      middleware: [auth] as const,
      description: "multipart fields: " + Object.keys(complaintForm).join(", "),
      responses: { 201: jsonContent(complaintSchema, "Filed: status submitted"), ...keyedErrors(400, 404, 413, 415, 422) },
    }),
    async (c) => {
      const form = await readComplaintForm(c);
      const complaint = await fileComplaintUseCase(deps, c.get("actor"), {
        listingId: form.id("listingId"),
        originalIds: form.ids("originalIds"),
        searchId: form.optionalId("searchId"),
        alertId: form.optionalId("alertId"),
        statement: form.text("statement", MAX_STATEMENT)!,
        attachments: await form.files(),
      });
      return c.json(withLinks(complaint), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/complaints",
      summary: "Complaints filed or received by your organisation; for reviewers, every complaint",
      middleware: [auth] as const,
      request: {
        query: z.object({
          side: z.enum(["filed", "received"]).optional(),
          status: z.enum(["submitted", "appealed", "upheld", "rejected", "withdrawn"]).optional(),
          limit: wholeNumber(1, 100).default(20),
          cursor: z.string().max(200).optional(),
        }),
      },
      responses: { 200: jsonContent(z.object({ items: z.array(complaintSchema), nextCursor: z.string().nullable() }), "A page, newest first"), ...keyedErrors(400) },
    }),
    async (c) => {
      const page = await listComplaintsUseCase(deps, c.get("actor"), c.req.valid("query"));
      return c.json({ items: page.items.map((v) => withLinks(v)), nextCursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/complaints/{id}",
      summary: "One complaint with its full timeline",
      middleware: [auth] as const,
      request: { params: idParam },
      responses: { 200: jsonContent(complaintSchema, "The complaint"), ...keyedErrors(404) },
    }),
    async (c) => c.json(withLinks(await getComplaintUseCase(deps, c.get("actor"), c.req.valid("param").id)), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/complaints/{id}/report.pdf",
      summary: "The evidence report (PDF, bundles and attachments embedded): both parties and the reviewers only",
      middleware: [auth] as const,
      request: { params: idParam },
      responses: { 200: { description: "The report", content: { "application/pdf": { schema: z.any().openapi({ type: "string", format: "binary" }) } } }, ...keyedErrors(404) },
    }),
    async (c) => {
      const report = await complaintReportUseCase(deps, c.get("actor"), c.req.valid("param").id);
      return c.body(new Uint8Array(report.pdf), 200, { "content-type": "application/pdf", "content-disposition": contentDisposition("inline", report.fileName) });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/complaints/{id}/attachments/{attachmentId}",
      summary: "An attachment (both parties and the reviewers only)",
      middleware: [auth] as const,
      request: { params: idParam.extend({ attachmentId: z.string().max(100) }) },
      responses: { 200: { description: "The PDF", content: { "application/pdf": { schema: z.any().openapi({ type: "string", format: "binary" }) } } }, ...keyedErrors(404) },
    }),
    async (c) => {
      const { id, attachmentId } = c.req.valid("param");
      const file = await complaintAttachmentUseCase(deps, c.get("actor"), id, attachmentId);
      return c.body(new Uint8Array(file.bytes), 200, {
        "content-type": "application/pdf",
        "content-disposition": contentDisposition("attachment", file.filename),
        "x-content-type-options": "nosniff",
      });
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/complaints/{id}/withdraw",
      summary: "Withdraw your complaint before a decision",
      middleware: [auth] as const,
      request: { params: idParam },
      responses: { 200: jsonContent(complaintSchema, "Withdrawn"), ...keyedErrors(404, 409) },
    }),
    async (c) => c.json(withLinks(await withdrawComplaintUseCase(deps, c.get("actor"), c.req.valid("param").id)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/complaints/{id}/appeal",
      summary: "Appeal a complaint against your listing within APPEAL_DAYS; with no originalIds the service finds your matching originals",
      middleware: [auth] as const,
      request: { params: idParam },
      description: "multipart fields: " + Object.keys(appealForm).join(", "),
      responses: { 200: jsonContent(complaintSchema, "Appealed, with the priority the chain gives"), ...keyedErrors(400, 404, 409, 413, 415, 422) },
    }),
    async (c) => {
      const form = await readComplaintForm(c);
      const complaint = await appealComplaintUseCase(deps, c.get("actor"), c.req.valid("param").id, {
        statement: form.text("statement", MAX_STATEMENT)!,
        originalIds: form.ids("originalIds"),
        attachments: await form.files(),
      });
      return c.json(withLinks(complaint), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/complaints/{id}/decision",
      summary: "Decide a complaint (reviewer): upheld delists the listing",
      middleware: [auth] as const,
      request: {
        params: idParam,
        body: { required: true, content: { "application/json": { schema: z.object({ outcome: z.enum(["upheld", "rejected"]), reason: label(MAX_STATEMENT) }) } } },
      },
      responses: { 200: jsonContent(complaintSchema, "Decided"), ...keyedErrors(400, 404, 409) },
    }),
    async (c) => c.json(withLinks(await decideComplaintUseCase(deps, c.get("actor"), c.req.valid("param").id, c.req.valid("json"))), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/complaints/stats",
      summary: "Counts per state and time from submission to decision (operator, reviewers)",
      middleware: [auth] as const,
      responses: {
        200: jsonContent(
          z.object({ counts: z.record(z.string(), z.number()), decided: z.number(), meanSeconds: z.number().nullable(), medianSeconds: z.number().nullable() }),
          "Statistics",
        ),
        ...keyedErrors(),
      },
    }),
    async (c) => c.json(await complaintStatsUseCase(deps, c.get("actor")), 200),
  );
  return app;
}
