import { readFile } from "node:fs/promises";
import { getAddress } from "ethers";
import { parseDeploymentsFile, type Deployment } from "../core/deployments";
import type { Trust } from "../verifier/options";

/** Trust sources could not be read or are malformed: a usage error, not a verdict. */
export class TrustSourceError extends Error {}

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
    if (/^https?:\/\//i.test(source)) {
      const res = await fetch(source, { signal: AbortSignal.timeout(15_000) });
      if (!res.ok) throw new TrustSourceError(`${source} answered ${res.status}`);
      text = await res.text();
    } else {
      text = await readFile(source, "utf8");
    }
  } catch (error) {
    if (error instanceof TrustSourceError) throw error;
    throw new TrustSourceError(`cannot read ${source}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TrustSourceError(`${source} is not valid JSON`);
  }
  const parsed = parseDeploymentsFile(json);
  if (!parsed.ok) throw new TrustSourceError(`${source} is not a deployments file: ${parsed.problems.join("; ")}`);
  return parsed.file.deployments;
}
