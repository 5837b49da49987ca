import { readFileSync } from "node:fs";
import { chainFactsReader } from "../chain/chain-facts";
import { createProvider } from "../chain/provider";
import type { Verdict } from "../core/verify";
import { verifyEvidence } from "../verifier/verify-evidence";
import { EXIT } from "./exit-codes";

export interface VerifyCommandOptions {
  bundlePath: string;
  imagePath?: string;
  rpcUrl: string;
  json: boolean;
}

/** `imprint verify`: everything from the bundle file and the RPC; returns the process exit code. */
export async function verifyCommand(options: VerifyCommandOptions, out: (line: string) => void): Promise<number> {
  let bundle: unknown;
  try {
    bundle = JSON.parse(readFileSync(options.bundlePath, "utf8"));
  } catch (error) {
    out(`cannot read ${options.bundlePath}: ${error instanceof SyntaxError ? "not valid JSON" : (error as Error).message}`);
    return EXIT.usage;
  }
  const image = options.imagePath ? readFileSync(options.imagePath) : undefined;
  const provider = createProvider(options.rpcUrl);
  try {
    const verdict = await verifyEvidence(bundle, { readChainFacts: chainFactsReader(provider), image });
    if (options.json) out(JSON.stringify({ ok: verdict.ok, statement: verdict.statement, checks: verdict.checks }, null, 2));
    else printVerdict(verdict, options.rpcUrl, out);
    return verdict.ok ? EXIT.ok : EXIT.notAll;
  } finally {
    provider.destroy();
  }
}

function printVerdict(verdict: Verdict, rpcUrl: string, out: (line: string) => void) {
  out(`Checking against ${rpcUrl} (trusting only this RPC and the bundle).`);
  for (const check of verdict.checks) out(`  ${check.ok ? "ok  " : "FAIL"} ${check.name.padEnd(12)} ${check.detail}`);
  const bundleOk = verdict.checks.every((c) => c.ok || c.name === "image");
  if (verdict.ok) out(`VERIFIED: ${verdict.statement}`);
  else if (bundleOk) out("BUNDLE VERIFIED, IMAGE NOT MATCHED: the evidence holds, but not for this image (see the image check).");
  else out("NOT VERIFIED: see the failed checks above.");
}
