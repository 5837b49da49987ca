import { readFileSync } from "node:fs";
import { chainFactsReader } from "../chain/chain-facts";
import { createProvider } from "../chain/provider";
import { chainUnread, type Verdict } from "../core/verify";
import { verifyEvidence } from "../verifier/verify-evidence";
import { EXIT } from "./exit-codes";
import { parseJsonText } from "./json-text";
import type { Output } from "./output";
import { loadTrust, TrustSourceError } from "./trust-source";

export interface VerifyCommandOptions {
  bundlePath: string;
  imagePath?: string;
  /** RPCs of the chains the evidence names (its own and, for re-anchored evidence, the newer one). */
  rpcUrls: string[];
  /** Deployments files (paths or URLs) whose deployments are trusted. */
  trust: string[];
  /** Contracts trusted on any chain. */
  contracts: string[];
  json: boolean;
}

/**
 * `imprint verify`: a bundle or a search receipt; everything from its file, the trust given and the RPCs; returns
 * the exit code. A verdict that failed only because no chain could be read is "could not check" (exit 3), not "not
 * verified": it says nothing about the evidence, and another --rpc may settle it.
 */
export async function verifyCommand(options: VerifyCommandOptions, io: Output): Promise<number> {
  let bundle: unknown;
  try {
    bundle = parseJsonText(readFileSync(options.bundlePath, "utf8"));
  } catch (error) {
    io.fail("input", `cannot read ${options.bundlePath}: ${error instanceof SyntaxError ? "not valid JSON" : (error as Error).message}`);
    return EXIT.usage;
  }
  let trust;
  try {
    trust = await loadTrust(options.trust, options.contracts);
  } catch (error) {
    if (!(error instanceof TrustSourceError)) throw error;
    io.fail(error.unreachable ? "unreachable" : "input", error.message);
    return error.unreachable ? EXIT.unreachable : EXIT.usage;
  }
  const image = options.imagePath ? readFileSync(options.imagePath) : undefined;
  const providers = options.rpcUrls.map((url) => createProvider(url));
  try {
    const verdict = await verifyEvidence(bundle, { readChainFacts: chainFactsReader(providers), trust, image });
    const unread = chainUnread(verdict);
    if (options.json) {
      const { ok, trusted, path, statement, findings, checks } = verdict;
      io.line(JSON.stringify({ ok, trusted, chainUnread: unread, path, statement, findings, checks }, null, 2));
    } else {
      printVerdict(verdict, unread, options, trust !== undefined, io.line);
    }
    if (unread) return EXIT.unreachable;
    return !verdict.ok ? EXIT.notAll : verdict.trusted ? EXIT.ok : EXIT.chainOnly;
  } finally {
    for (const p of providers) p.destroy();
  }
}

function printVerdict(verdict: Verdict, unread: boolean, options: VerifyCommandOptions, trustGiven: boolean, out: (line: string) => void) {
  const trusting = trustGiven ? `the deployments and contracts given (${[...options.trust, ...options.contracts].join(", ")})` : "no deployment (none given)";
  out(`Checking against ${options.rpcUrls.join(", ")}, trusting these RPCs, the evidence file and ${trusting}.`);
  for (const check of verdict.checks) out(`  ${check.ok ? "ok  " : "FAIL"} ${check.name.padEnd(18)} ${check.detail}`);
  const f = verdict.findings;
  if (verdict.ok && f) {
    out(
      verdict.trusted
        ? `VERIFIED (anchor path: ${verdict.path}): ${verdict.statement}`
        : `CHAIN ONLY (anchor path: ${verdict.path}): the chain confirms the evidence, but no trusted deployment vouches for who made it (give --trust or --contract).`,
    );
    out(`  What the chain proves:       ${f.chain}`);
    out(`  What a deployment vouches:   ${f.deployment}`);
    out(`  What a signature proves:     ${f.signature}`);
    if (f.local) out(`  WARNING: ${f.local}`);
  } else if (unread) {
    out(`COULD NOT CHECK: the chain could not be read (see the chain check), so nothing is known about the evidence yet; try another --rpc for its chain.`);
  } else if (verdict.checks.every((c) => c.ok || c.name === "image")) {
    out("EVIDENCE HOLDS, IMAGE NOT MATCHED: the evidence holds, but not for this image (see the image check).");
  } else {
    out("NOT VERIFIED: see the failed checks above.");
  }
}
