import { readFile } from "node:fs/promises";
import { getAddress } from "ethers";
import { parseDeploymentsFile, type Deployment } from "../core/deployments";
import type { Trust } from "../verifier/options";
import { parseJsonText } from "./json-text";

/**
 * Trust sources could not be used: not a verdict. `unreachable`: a URL that did not answer (or answered 5xx), which
 * another try may settle; otherwise the source itself is wrong (a usage error).
 */
export class TrustSourceError extends Error {
  constructor(
    message: string,
    readonly unreachable = false,
  ) {
    super(message);
  }
}

/**
 * `--trust FILE|URL` (a deployments file, e.g. a service's /.well-known/imprint-deployments.json) and
 * `--contract ADDR`, each repeatable; nothing given: no trust at all (the verdict rests on the chain alone).
 */
export async function loadTrust(sources: readonly string[], contracts: readonly string[]): Promise<Trust | undefined> {
  if (sources.length === 0 && contracts.length === 0) return undefined;
  const deployments: Deployment[] = [];
  for (const source of sources) deployments.push(...(await readDeployments(source)));
  const addresses = contracts.map((c) => {
    try {
      return getAddress(c).toLowerCase();
    } catch {
      throw new TrustSourceError(`--contract ${c} is not an address`);
    }
  });
  return { deployments, contracts: addresses };
}

async function readDeployments(source: string): Promise<Deployment[]> {
  let text: string;
  try {
    if (/^https?:\/\//i.test(source)) text = await fetchText(source);
    else text = await readFile(source, "utf8");
  } catch (error) {
    if (error instanceof TrustSourceError) throw error;
    throw new TrustSourceError(`cannot read ${source}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = parseJsonText(text);
  } catch {
    throw new TrustSourceError(`${source} is not valid JSON`);
  }
  const parsed = parseDeploymentsFile(json);
  if (!parsed.ok) throw new TrustSourceError(`${source} is not a deployments file: ${parsed.problems.join("; ")}`);
  return parsed.file.deployments;
}

async function fetchText(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
    throw new TrustSourceError(`cannot reach ${url}: ${cause}`, true);
  }
  if (!res.ok) throw new TrustSourceError(`${url} answered ${res.status}`, res.status >= 500);
  return res.text();
}
