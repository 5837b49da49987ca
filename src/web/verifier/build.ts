/**
 * Builds the verifier page: one self-contained HTML file (script and style inline) so that it can be saved to disk
 * and opened from a file, and so that, once loaded, it needs nothing from the server that served it. Built in
 * process with esbuild on first request, then kept: no build step for `npm start`.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { DeploymentsFile } from "../../core/deployments";
import { bundleForBrowser } from "../bundle";

export interface VerifierPage {
  /** The page, with the place for the served deployments still empty (`servedPage` fills it). */
  html: string;
  /**
   * A Content-Security-Policy for it: only its own inline script and style (by hash), no other script, and
   * connections to any RPC the person types (the one thing it must reach).
   */
  contentSecurityPolicy: string;
}

/** The whole page, with the script inlined (`</script` cannot occur inside it: esbuild escapes it in strings). */
export async function buildVerifierPage(): Promise<VerifierPage> {
  const template = readFileSync(path.join(__dirname, "page.html"), "utf8");
  const script = await bundleForBrowser(path.join(__dirname, "page.ts"));
  const style = /<style>([\s\S]*?)<\/style>/.exec(template)![1];
  const hash = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
  return {
    html: template.replace("<!--SCRIPT-->", () => `<script>${script}</script>`),
    contentSecurityPolicy: [
      "default-src 'none'",
      `script-src ${hash(script)}`,
      `style-src ${hash(style)}`,
      "img-src blob: data:",
      "connect-src *",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join("; "),
  };
}

/**
 * The page as one service serves it: with that service's deployments file embedded, so that a person trusts, by
 * default, exactly what the service publishes at /.well-known/imprint-deployments.json, without asking for it
 * (the page makes no request to the server once loaded). It is a data block, not a script: the CSP is unchanged.
 */
export function servedPage(page: VerifierPage, deployments: DeploymentsFile, chain: ServedChain | null): string {
  return page.html.replace("<!--DEPLOYMENTS-->", () => dataBlock(deployments)).replace("<!--CHAIN-->", () => dataBlock(chain));
}

/** The chain RPC a service publishes, offered for evidence of that chain. */
export interface ServedChain {
  chainId: number;
  rpcUrl: string;
}

/** JSON for a data block, `<` escaped so that no value can close the element (JSON.parse reads \u003c back as `<`). */
function dataBlock(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}
