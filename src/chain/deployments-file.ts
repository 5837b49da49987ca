/** Reads and writes a deployments file (format in src/core/deployments.ts) on disk, atomically. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseDeploymentsFile, type DeploymentsFile } from "../core/deployments";
import { ImprintError } from "../core/errors";

export function readDeploymentsFile(file: string): DeploymentsFile | null {
  if (!existsSync(file)) return null;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ImprintError("deployments_file_invalid", `${file} is not valid JSON`, { cause: error });
  }
  const parsed = parseDeploymentsFile(json);
  if (!parsed.ok) throw new ImprintError("deployments_file_invalid", `${file} is not a deployments file: ${parsed.problems.join("; ")}`);
  return parsed.file;
}

export function writeDeploymentsFile(file: string, deployments: DeploymentsFile): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(deployments, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
