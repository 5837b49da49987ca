import { writeFileSync } from "node:fs";
import { ApiError, apiClient, type ServerOptions } from "./api-client";
import { EXIT, exitForRefusal } from "./exit-codes";

export interface EvidenceCommandOptions extends ServerOptions {
  id: string;
  /** Where to write it; default `evidence-<id>.json` (or `.pdf`). "-" prints the JSON to stdout. */
  output?: string;
  pdf: boolean;
  json: boolean;
}

/** `imprint evidence`: downloads a registration's bundle (or its certificate PDF) once it is anchored. */
export async function evidenceCommand(options: EvidenceCommandOptions, out: (line: string) => void): Promise<number> {
  const client = apiClient(options);
  const id = encodeURIComponent(options.id);
  try {
    const { status, body } = await client.json<{ status?: string }>("GET", `/v1/originals/${id}/evidence`);
    if (status === 202) {
      if (options.json) out(JSON.stringify({ id: options.id, status: body.status }));
      else out(`${options.id} is ${body.status}: not anchored yet, try again after the next anchor.`);
      return EXIT.notAll;
    }
    const output = options.output ?? `evidence-${options.id}.${options.pdf ? "pdf" : "json"}`;
    if (options.pdf) writeFileSync(output, await client.bytes(`/v1/originals/${id}/certificate.pdf`));
    else if (output === "-") {
      out(JSON.stringify(body, null, 2));
      return EXIT.ok;
    } else writeFileSync(output, JSON.stringify(body, null, 2) + "\n");
    out(options.json ? JSON.stringify({ id: options.id, status: "anchored", file: output }) : `wrote ${output}`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    out(`evidence refused: ${error.message} (${error.code})`);
    return exitForRefusal(error.status);
  }
}
