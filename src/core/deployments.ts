import { z } from "zod";
import { validate } from "./errors";
import { HEX20 } from "./hex";
import { ISO_MS } from "./time";

/**
 * Who anchors for a service, published by its operator: every ProvenanceAnchor it ever used, with the account
 * allowed to anchor there and the period it was used. A verifier trusts a bundle's "registered by" only when
 * the bundle's contract is one of these and the chain confirms the listed anchorer.
 */
export const DEPLOYMENTS_FORMAT = "imprint.deployments.v1";

/** anvil's and Hardhat's chain id: whoever runs such a chain sets its block times. */
export const LOCAL_CHAIN_ID = 31337;

const address = z.string().regex(HEX20, "must be 0x + 40 lowercase hex digits");
const instant = z
  .string()
  .regex(ISO_MS, "must be ISO 8601 UTC with milliseconds")
  .refine((s) => new Date(Date.parse(s)).toISOString() === s, "not a real instant");

export const deploymentSchema = z
  .object({
    /** Unique in the file; what `POST /v1/admin/reanchor` and verdicts call it. */
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "must be 1–63 of a-z 0-9 . _ -, starting with a letter or digit"),
    chainId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    contract: address,
    anchorer: address,
    /** Block time of the contract's deployment: nothing anchored there before it. */
    from: instant,
    /** Retired: nothing anchored there after it counts. */
    until: instant.optional(),
    /** A development chain (the embedded anvil): proves nothing to a third party. */
    local: z.boolean().optional(),
  })
  .strict()
  .refine((d) => d.until === undefined || Date.parse(d.until) >= Date.parse(d.from), { message: "until is before from", path: ["until"] });

export const deploymentsFileSchema = z
  .object({ format: z.literal(DEPLOYMENTS_FORMAT), deployments: z.array(deploymentSchema).min(1).max(1000) })
  .strict()
  .superRefine((file, ctx) => {
    const names = new Set<string>();
    const contracts = new Set<string>();
    file.deployments.forEach((d, i) => {
      if (names.has(d.name)) ctx.addIssue({ code: "custom", path: ["deployments", i, "name"], message: `duplicate name ${d.name}` });
      const key = `${d.chainId}:${d.contract}`;
      if (contracts.has(key)) ctx.addIssue({ code: "custom", path: ["deployments", i, "contract"], message: `chain ${d.chainId} contract ${d.contract} is listed twice` });
      names.add(d.name);
      contracts.add(key);
    });
  });

export type Deployment = z.infer<typeof deploymentSchema>;
export type DeploymentsFile = z.infer<typeof deploymentsFileSchema>;

/** The file's problems as one line each, or the parsed file. */
export function parseDeploymentsFile(input: unknown): { ok: true; file: DeploymentsFile } | { ok: false; problems: string[] } {
  const parsed = deploymentsFileSchema.safeParse(input);
  if (parsed.success) return { ok: true, file: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`) };
}

/** The deployment with this chain and contract, if the file lists it. */
export function findDeployment(deployments: readonly Deployment[], chainId: number, contract: string): Deployment | undefined {
  return deployments.find((d) => d.chainId === chainId && d.contract === contract.toLowerCase());
}

/** Whether a third party can rely on this chain's block times at all. */
export function isLocalDeployment(d: Pick<Deployment, "chainId" | "local">): boolean {
  return d.local === true || d.chainId === LOCAL_CHAIN_ID;
}

/** Whether a block time falls in the deployment's period of use (from ≤ t ≤ until). */
export function inPeriod(d: Deployment, blockTimestampS: number): boolean {
  const ms = blockTimestampS * 1000;
  return ms >= Date.parse(d.from) && (d.until === undefined || ms <= Date.parse(d.until));
}

/**
 * A new deployment joins the file and every other deployment still in use is retired at its start: the service
 * anchors with one deployment at a time. An entry for the same chain and contract is replaced.
 */
export function withDeployment(file: DeploymentsFile | null, current: Deployment): DeploymentsFile {
  const others = (file?.deployments ?? []).filter((d) => !(d.chainId === current.chainId && d.contract === current.contract));
  validate(!others.some((d) => d.name === current.name), "invalid_request", `a different deployment is already named ${current.name}`);
  const retired = others.map((d) => (d.until === undefined ? { ...d, until: current.from } : d));
  return { format: DEPLOYMENTS_FORMAT, deployments: [...retired, current] };
}
