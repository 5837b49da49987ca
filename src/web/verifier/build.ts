/**
 * Builds the verifier page: one self-contained HTML file (script and style inline) so that it can be saved to disk
 * and opened from a file, and so that, once loaded, it needs nothing from the server that served it. Built in
 * process with esbuild on first request, then kept: no build step for `npm start`.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { build, type Plugin } from "esbuild";

/**
 * Modules the shared verifier imports for the server's path (decoding with sharp, hashing with node:crypto) that the
 * browser never runs: the page passes its own fingerprint function. They become empty modules in the bundle.
 */
const SERVER_ONLY = /^(sharp|node:.*|fs|path|os|crypto|child_process|worker_threads)$/;

const serverOnlyStub: Plugin = {
  name: "server-only-stub",
  setup(b) {
    b.onResolve({ filter: SERVER_ONLY }, (args) => ({ path: args.path, namespace: "server-only" }));
    b.onLoad({ filter: /.*/, namespace: "server-only" }, () => ({ contents: "module.exports = {};", loader: "js" }));
  },
};

export async function buildVerifierScript(): Promise<string> {
  const result = await build({
    entryPoints: [path.join(__dirname, "page.ts")],
    bundle: true,
    write: false,
    platform: "browser",
    format: "iife",
    target: "es2022",
    minify: true,
    legalComments: "none",
    inject: [path.join(__dirname, "buffer-shim.ts")],
    define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
    plugins: [serverOnlyStub],
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

export interface VerifierPage {
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
  const script = await buildVerifierScript();
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
