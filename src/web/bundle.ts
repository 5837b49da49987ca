import path from "node:path";
import { build, type Plugin } from "esbuild";

/**
 * Modules that shared code imports for the server's path (decoding with sharp, hashing with node:crypto) and that a
 * browser never runs: the pages pass their own implementations. They become empty modules in a bundle.
 */
const SERVER_ONLY = /^(sharp|node:.*|fs|path|os|crypto|child_process|worker_threads)$/;

const serverOnlyStub: Plugin = {
  name: "server-only-stub",
  setup(b) {
    b.onResolve({ filter: SERVER_ONLY }, (args) => ({ path: args.path, namespace: "server-only" }));
    b.onLoad({ filter: /.*/, namespace: "server-only" }, () => ({ contents: "module.exports = {};", loader: "js" }));
  },
};

/**
 * zod re-exports its ~40 message locales from every entry point, a fifth of the verifier page's weight. A page
 * speaks the English that zod configures by default (its only locale use), so a bundle gets that one alone.
 */
const zodEnglishOnly: Plugin = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: path.join(path.dirname(args.importer), "../locales/english-only.js"), namespace: "zod-english-only" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-english-only" }, (args) => ({
      contents: `export { default as en } from "./en.js";`,
      resolveDir: path.dirname(args.path),
      loader: "js",
    }));
  },
};

/** One minified browser script from a TypeScript entry (built in process: `npm start` has no build step). */
export async function bundleForBrowser(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: "browser",
    format: "iife",
    target: "es2022",
    minify: true,
    legalComments: "none",
    // src/core speaks Node's Buffer for hex and Merkle nodes.
    inject: [path.join(__dirname, "buffer-shim.ts")],
    define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
    plugins: [serverOnlyStub, zodEnglishOnly],
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

/** Builds once, on first use, and keeps the result; a failed build is retried on the next call. */
export function builtOnce<T>(make: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () =>
    (built ??= make().catch((error: unknown) => {
      built = undefined;
      throw error;
    }));
}
