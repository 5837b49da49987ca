import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { EXIT } from "./exit-codes";
import { consoleOutput, flushed, type Output } from "./output";
import { evidenceCommand } from "./evidence-command";
import { registerCommand } from "./register-command";
import { searchCommand } from "./search-command";
import { signChallengeCommand, signCommand } from "./sign-command";
import { verifyCommand } from "./verify-command";

const USAGE = `usage: imprint <command> [options]

  verify   <bundle.json|receipt.json> [--trust FILE|URL]... [--contract ADDR]... [--rpc URL]... [--image FILE] [--json]
           checks an evidence bundle with nothing but the bundle, the trust you give and Ethereum RPCs:
           leaf, id, Merkle proof, the owner's signature (v2), the Anchored event in the transaction's
           receipt, the block time and anchoredAt(root), on the bundle's own chain or through its
           re-anchor; with --image, that the image is the registered one (same SHA-256) or how far its
           PDQ is from it. A search receipt (format imprint.search-receipt.v1) is verified the same
           way: record digest, leaf, proof, chain, deployment; --image compares with the query image.
           --trust: a deployments file or its URL (https://host/.well-known/imprint-deployments.json):
           bundles and receipts anchored by these deployments are vouched for by their operator.
           --contract: a ProvenanceAnchor you trust, with the anchorer its chain names.
           Without either, only what the chain proves is stated (existence by a block time, the
           contract and its anchorer), never who registered the image (exit code 5).
           --rpc: repeatable, each serves the chain whose eth_chainId it answers (default:
           $IMPRINT_RPC_URL, else http://127.0.0.1:8545)
  sign     --key FILE --product-id ID (--image FILE | --sha256 HEX --pdq HEX --phash HEX) [--signed-at S] [--json]
           the owner's EIP-712 signature over a registration, with a local key (a JSON keystore with
           $IMPRINT_KEY_PASSWORD or --password-file, or a file holding a 0x key); prints the fields
           signer, signature and signedAt to send with POST /v1/originals (always JSON).
  sign-challenge --key FILE (MESSAGE_FILE | -) [--json]
           signs a signing-key challenge (POST /v1/signing-keys/challenge) with a local key (JSON).
  register <files|folders…> --category C --country CC (--product-id ID | --product-id-from-filename)
           [--title T] [--concurrency N] [--journal FILE]
           registers every .jpg/.jpeg/.png/.webp named or under the folders (following symbolic links)
           with a progress bar; resumable: files whose bytes an earlier run registered (by SHA-256, in
           the journal, default ./imprint-register.jsonl) are skipped. A file the server refuses is
           listed; a refusal every file would get (an invalid --country, a wrong --server path, a
           refused key) stops the run at once.
  search   <file|url> [--scope all|recent|originals] [--threshold N] [--category C] [--limit N]
           prints the most similar registered originals and listings as a table.
  evidence <registration id> [-o FILE|-] [--pdf]
           downloads the evidence bundle (or, with --pdf, the certificate) once anchored; -o - writes
           it to stdout.

  register, search and evidence talk to a server: --server URL (default $IMPRINT_SERVER, else
  http://127.0.0.1:8787) with --key KEY (default $IMPRINT_KEY).
  --json   on every command: stdout carries only JSON, the result or {"error": {"code", "message"}}.
  -h, --help  this text. Results go to stdout; errors, warnings and progress to stderr.

Exit codes: 0 done (verified / all registered / hits found / written), 1 the answer is no (not verified,
some files refused, no hit, not anchored yet), 2 usage or input error (also a request the server refused
as invalid, or a route it does not have), 3 could not check: the server, an RPC or a --trust URL could
not be reached, the server answered something that is not JSON, or (verify) no RPC given could read the
evidence's chain, 4 the server refused the key, 5 (verify) the chain confirms the bundle or receipt but no
trusted deployment vouches for it.`;

const keyOptions = { key: { type: "string" }, "password-file": { type: "string" } } as const;
const serverOptions = { server: { type: "string" }, key: { type: "string" } } as const;
/** What every command takes: the promise of the usage text, and scripts rely on it. */
const commonOptions = { json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } } as const;

const COMMANDS = {
  verify: {
    options: {
      image: { type: "string" },
      rpc: { type: "string", multiple: true },
      trust: { type: "string", multiple: true },
      contract: { type: "string", multiple: true },
    },
    positionals: [1, 1],
    run: (v: Values, [bundlePath]: string[], io: Output) =>
      verifyCommand(
        {
          bundlePath,
          imagePath: v.image as string | undefined,
          rpcUrls: (v.rpc as string[] | undefined) ?? [process.env.IMPRINT_RPC_URL ?? "http://127.0.0.1:8545"],
          trust: (v.trust as string[] | undefined) ?? [],
          contracts: (v.contract as string[] | undefined) ?? [],
          json: v.json === true,
        },
        io,
      ),
  },
  sign: {
    options: {
      ...keyOptions,
      "product-id": { type: "string" },
      image: { type: "string" },
      sha256: { type: "string" },
      pdq: { type: "string" },
      phash: { type: "string" },
      "signed-at": { type: "string" },
    },
    positionals: [0, 0],
    run: (v: Values, _: string[], io: Output) => {
      const signedAt = v["signed-at"] === undefined ? undefined : Number(v["signed-at"]);
      if (!v.key || !v["product-id"] || (signedAt !== undefined && !Number.isSafeInteger(signedAt))) return usage(io, "sign needs --key and --product-id (and --signed-at in seconds)");
      const hashes = v.sha256 && v.pdq && v.phash ? { sha256: v.sha256 as string, pdq: v.pdq as string, phash: v.phash as string } : undefined;
      return signCommand(
        { keyFile: v.key as string, passwordFile: v["password-file"] as string | undefined, productId: v["product-id"] as string, imagePath: v.image as string | undefined, hashes, signedAt },
        io,
      );
    },
  },
  "sign-challenge": {
    options: keyOptions,
    positionals: [1, 1],
    run: (v: Values, [messageFile]: string[], io: Output) => {
      if (!v.key) return usage(io, "sign-challenge needs --key");
      const message = readFileSync(messageFile === "-" ? 0 : messageFile, "utf8");
      return signChallengeCommand({ keyFile: v.key as string, passwordFile: v["password-file"] as string | undefined, message }, io);
    },
  },
  register: {
    options: {
      ...serverOptions,
      category: { type: "string" },
      country: { type: "string" },
      "product-id": { type: "string" },
      "product-id-from-filename": { type: "boolean", default: false },
      title: { type: "string" },
      concurrency: { type: "string", default: "2" },
      journal: { type: "string", default: "imprint-register.jsonl" },
    },
    positionals: [1, Infinity],
    run: (v: Values, paths: string[], io: Output) => {
      const concurrency = Number(v.concurrency);
      const missing = [!v.category && "--category", !v.country && "--country", !v["product-id"] && !v["product-id-from-filename"] && "--product-id or --product-id-from-filename"].filter(Boolean);
      if (missing.length || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) {
        return usage(io, missing.length ? `register needs ${missing.join(", ")}` : "--concurrency is 1 to 16");
      }
      return registerCommand(
        {
          ...server(v),
          paths,
          category: v.category as string,
          country: v.country as string,
          productId: v["product-id"] as string | undefined,
          productIdFromFilename: v["product-id-from-filename"] === true,
          title: v.title as string | undefined,
          concurrency,
          journal: v.journal as string,
          json: v.json === true,
        },
        io,
      );
    },
  },
  search: {
    options: { ...serverOptions, scope: { type: "string" }, threshold: { type: "string" }, category: { type: "string" }, limit: { type: "string" } },
    positionals: [1, 1],
    run: (v: Values, [image]: string[], io: Output) =>
      searchCommand({ ...server(v), image, scope: v.scope as string, threshold: v.threshold as string, category: v.category as string, limit: v.limit as string, json: v.json === true }, io),
  },
  evidence: {
    options: { ...serverOptions, output: { type: "string", short: "o" }, pdf: { type: "boolean", default: false } },
    positionals: [1, 1],
    run: (v: Values, [id]: string[], io: Output) => evidenceCommand({ ...server(v), id, output: v.output as string | undefined, pdf: v.pdf === true, json: v.json === true }, io),
  },
} satisfies Record<string, { options: ParseArgsConfig["options"]; positionals: [number, number]; run(v: Values, p: string[], io: Output): Promise<number> | number }>;

type Values = Record<string, string | string[] | boolean | undefined>;

const ALIASES: Record<string, keyof typeof COMMANDS> = { v: "verify", r: "register", s: "search", e: "evidence" };

function server(v: Values) {
  return { server: (v.server as string) ?? process.env.IMPRINT_SERVER ?? "http://127.0.0.1:8787", key: (v.key as string) ?? process.env.IMPRINT_KEY };
}

/** A usage error: the problem (in JSON too with --json), then the usage text on stderr. */
function usage(io: Output, problem: string): number {
  io.fail("usage", problem);
  io.note(`\n${USAGE}`);
  return EXIT.usage;
}

const HELP = new Set(["help", "--help", "-h"]);

async function main(argv: string[], io: Output): Promise<number> {
  const [verb, ...rest] = argv;
  if (HELP.has(verb)) {
    io.line(USAGE);
    return EXIT.ok;
  }
  const name = verb in COMMANDS ? (verb as keyof typeof COMMANDS) : ALIASES[verb];
  if (!name) return usage(io, verb ? `unknown command ${verb}` : "give a command");
  const command = COMMANDS[name];
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, options: { ...command.options, ...commonOptions } });
  } catch (error) {
    return usage(io, (error as Error).message);
  }
  if (parsed.values.help) {
    io.line(USAGE);
    return EXIT.ok;
  }
  const [min, max] = command.positionals;
  if (parsed.positionals.length < min || parsed.positionals.length > max) return usage(io, `${name} takes ${max === min ? min : `${min} or more`} arguments besides its options`);
  return command.run(parsed.values as Values, parsed.positionals, io);
}

// --json is read from the arguments as given, so that an error in parsing them is reported as JSON too.
const argv = process.argv.slice(2);
const io = consoleOutput(argv.includes("--json"));
// A reader that stopped reading (`imprint evidence … -o - | head`) has what it wanted: end quietly, not with a trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(EXIT.ok);
});
main(argv, io)
  .catch((error: unknown) => {
    // An input the command could not read (a missing --image, an unreadable key file): the message names it.
    io.fail("input", `imprint: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.usage;
  })
  .then(async (code) => {
    await flushed();
    process.exit(code);
  });
