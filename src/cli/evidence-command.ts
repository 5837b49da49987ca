import { writeFileSync } from "node:fs";
import { ApiError, apiClient, type ServerOptions } from "./api-client";
import { EXIT, exitForRefusal } from "./exit-codes";
import type { Output } from "./output";

export interface EvidenceCommandOptions extends ServerOptions {
  id: string;
  /** Where to write it; default `evidence-<id>.json` (or `.pdf`). "-": stdout, the document and nothing else. */
  output?: string;
  pdf: boolean;
  json: boolean;
}

/** `imprint evidence`: downloads a registration's bundle (or its certificate PDF) once it is anchored. */
export async function evidenceCommand(options: EvidenceCommandOptions, io: Output): Promise<number> {
  const client = apiClient(options);
  const id = encodeURIComponent(options.id);
  try {
    const { status, body } = await client.json<{ status?: string }>("GET", `/v1/originals/${id}/evidence`);
    if (status === 202) {
      if (options.json) io.line(JSON.stringify({ id: options.id, status: body.status }));
      else io.line(`${options.id} is ${body.status}: not anchored yet, try again after the next anchor.`);
      return EXIT.notAll;
    }
    const document = options.pdf ? await client.bytes(`/v1/originals/${id}/certificate.pdf`) : Buffer.from(JSON.stringify(body, null, 2) + "\n");
    if (options.output === "-") {
      io.bytes(document);
      return EXIT.ok;
    }
    const output = options.output ?? `evidence-${options.id}.${options.pdf ? "pdf" : "json"}`;
    writeFileSync(output, document);
    io.line(options.json ? JSON.stringify({ id: options.id, status: "anchored", file: output }) : `wrote ${output}`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    io.fail(error.code, `evidence refused: ${error.message} (${error.code})`);
    return exitForRefusal(error.status);
  }
}
