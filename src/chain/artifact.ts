/** Loads the compiled ProvenanceAnchor (ABI + bytecode) that `npm run compile` writes under artifacts/. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { InterfaceAbi } from "ethers";
import { ImprintError } from "../core/errors";

export interface AnchorArtifact {
  abi: InterfaceAbi;
  /** Creation bytecode, 0x-prefixed. */
  bytecode: string;
  /** Runtime bytecode, 0x-prefixed. */
  deployedBytecode: string;
}

export const ARTIFACT_RELATIVE_PATH = "artifacts/contracts/ProvenanceAnchor.sol/ProvenanceAnchor.json";

/** The repository root: the nearest folder above this file holding hardhat.config.ts. */
export function findRepoRoot(start: string = __dirname): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "hardhat.config.ts"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no hardhat.config.ts above ${start}`);
  }
}

export function loadAnchorArtifact(repoRoot: string = findRepoRoot()): AnchorArtifact {
  const file = path.join(repoRoot, ARTIFACT_RELATIVE_PATH);
  if (!existsSync(file)) {
    throw new ImprintError(
      "contract_not_compiled",
      `The ProvenanceAnchor contract is not compiled (${file} is missing): run npm run compile.`,
    );
  }
  const json = JSON.parse(readFileSync(file, "utf8")) as Partial<AnchorArtifact> & { contractName?: string };
  if (json.contractName !== "ProvenanceAnchor" || !json.abi || !json.bytecode || json.bytecode === "0x") {
    throw new ImprintError("contract_artifact_invalid", `${file} is not a ProvenanceAnchor artifact: run npm run compile.`);
  }
  return { abi: json.abi, bytecode: json.bytecode, deployedBytecode: json.deployedBytecode ?? "0x" };
}
