/**
 * What crosses the thread boundary between the pool and its workers: a task (`kind` + structured-cloneable
 * input), and a value or an error back. Typed arrays that own their whole buffer are transferred, not copied.
 */
import { parentPort } from "node:worker_threads";
import { ImprintError, type ErrorCode } from "../core/errors";

export interface TaskRequest {
  id: number;
  kind: string;
  input: unknown;
}

export type TaskReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

/** An ImprintError keeps its code, details and retry hint (its cause travels as text, for the log); anything else is a bug. */
export type WireError =
  | { imprint: true; code: ErrorCode; message: string; details?: unknown; retryAfterS?: number; cause?: string }
  | { imprint: false; message: string; stack?: string };

export function toWireError(error: unknown): WireError {
  if (error instanceof ImprintError) {
    const cause = error.cause === undefined ? undefined : error.cause instanceof Error ? error.cause.message : String(error.cause);
    return { imprint: true, code: error.code, message: error.message, details: error.details, retryAfterS: error.retryAfterS, cause };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { imprint: false, message: e.message, stack: e.stack };
}

export function fromWireError(wire: WireError): Error {
  if (wire.imprint) {
    return new ImprintError(wire.code, wire.message, {
      details: wire.details,
      retryAfterS: wire.retryAfterS,
      cause: wire.cause === undefined ? undefined : new Error(wire.cause),
    });
  }
  const error = new Error(`in an analysis worker: ${wire.message}`);
  if (wire.stack) error.stack = wire.stack;
  return error;
}

/** Buffers worth moving instead of copying: typed arrays in `value` that are the sole view of their buffer. */
export function transferablesOf(value: unknown, found = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    const { buffer } = value;
    if (buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === buffer.byteLength) found.add(buffer);
  } else if (value && typeof value === "object") {
    for (const v of Object.values(value)) transferablesOf(v, found);
  }
  return [...found];
}

/** Structured cloning turns a Buffer into a Uint8Array: view it as a Buffer again, without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The worker's side: answers each task with its handler's result (or error), one task at a time. */
export function serveTasks(handlers: Record<string, (input: never) => Promise<unknown>>): void {
  const port = parentPort;
  if (!port) throw new Error("invariant violated: serveTasks runs in a worker thread");
  port.on("message", async (request: TaskRequest) => {
    let reply: TaskReply;
    try {
      const handler = handlers[request.kind];
      if (!handler) throw new Error(`no handler for task '${request.kind}'`);
      reply = { id: request.id, ok: true, value: await handler(request.input as never) };
    } catch (error) {
      reply = { id: request.id, ok: false, error: toWireError(error) };
    }
    port.postMessage(reply, reply.ok ? transferablesOf(reply.value) : []);
  });
}
