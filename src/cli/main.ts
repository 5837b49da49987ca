import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { signChallengeCommand, signCommand } from "./sign-command";
import { EXIT, verifyCommand } from "./verify-command";

const USAGE = `usage: imprint verify <bundle.json> [--trust FILE|URL]... [--contract ADDR]... [--rpc URL]... [--image FILE] [--json]
       imprint sign --key FILE --product-id ID (--image FILE | --sha256 HEX --pdq HEX --phash HEX) [--signed-at S] [--password-file FILE]
       imprint sign-challenge --key FILE (MESSAGE_FILE | -) [--password-file FILE]

  verify          checks an evidence bundle with nothing but the bundle, the trust you give and Ethereum RPCs:
                  leaf, id, Merkle proof, owner's signature (v2), the Anchored event in the transaction's
                  receipt, the block time and anchoredAt(root), on the bundle's own chain or through its
                  re-anchor; with --image, that the image is the registered one (same SHA-256) or how far
                  its PDQ is from it.
  --trust         a deployments file or its URL (e.g. https://host/.well-known/imprint-deployments.json):
                  bundles anchored by these deployments are vouched for by their operator
  --contract      a ProvenanceAnchor address you trust, with the anchorer its chain names
                  Without --trust or --contract only what the chain proves is stated (existence by a
                  block time, the contract and its anchorer), never who registered the image.
  --rpc           an RPC URL, repeatable; each serves the chain whose eth_chainId it answers
                  (default: $IMPRINT_RPC_URL, else http://127.0.0.1:8545)
  --json          print the verdict as JSON
  sign            the owner's EIP-712 signature over a registration with a local key (JSON keystore with
                  $IMPRINT_KEY_PASSWORD or --password-file, or a file holding a 0x key); prints the
                  fields signer, signature, signedAt to send with POST /v1/originals
  sign-challenge  signs a signing-key challenge (POST /v1/signing-keys/challenge) with a local key
Exit code of verify: ${EXIT.verified} verified by a trusted deployment, ${EXIT.notVerified} not verified, ${EXIT.usage} usage or input error,
${EXIT.chainOnly} the chain confirms the bundle but no trusted deployment vouches for it (none given, or not one of them).`;

const verifyOptions = {
  image: { type: "string" },
  rpc: { type: "string", multiple: true },
  trust: { type: "string", multiple: true },
  contract: { type: "string", multiple: true },
  json: { type: "boolean", default: false },
} as const;

const signOptions = {
  key: { type: "string" },
  "password-file": { type: "string" },
  "product-id": { type: "string" },
  image: { type: "string" },
  sha256: { type: "string" },
  pdq: { type: "string" },
  phash: { type: "string" },
  "signed-at": { type: "string" },
} as const;

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  try {
    if (verb === "verify" || verb === "v") {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: verifyOptions });
      if (positionals.length !== 1) return usage();
      return await verifyCommand(
        {
          bundlePath: positionals[0],
          imagePath: values.image,
          rpcUrls: values.rpc ?? [process.env.IMPRINT_RPC_URL ?? "http://127.0.0.1:8545"],
          trust: values.trust ?? [],
          contracts: values.contract ?? [],
          json: values.json ?? false,
        },
        (line) => console.log(line),
      );
    }
    if (verb === "sign") {
      const { values } = parseArgs({ args: rest, options: signOptions });
      if (!values.key || !values["product-id"]) return usage();
      const signedAt = values["signed-at"] === undefined ? undefined : Number(values["signed-at"]);
      if (signedAt !== undefined && !Number.isSafeInteger(signedAt)) return usage();
      return await signCommand(
        {
          keyFile: values.key,
          passwordFile: values["password-file"],
          productId: values["product-id"],
          imagePath: values.image,
          hashes: values.sha256 && values.pdq && values.phash ? { sha256: values.sha256, pdq: values.pdq, phash: values.phash } : undefined,
          signedAt,
        },
        (line) => console.log(line),
      );
    }
    if (verb === "sign-challenge") {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { key: signOptions.key, "password-file": signOptions["password-file"] } });
      if (!values.key || positionals.length !== 1) return usage();
      const message = readFileSync(positionals[0] === "-" ? 0 : positionals[0], "utf8");
      return await signChallengeCommand({ keyFile: values.key, passwordFile: values["password-file"], message }, (line) => console.log(line));
    }
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`${(error as Error).message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    throw error;
  }
  return usage();
}

function usage(): number {
  console.error(USAGE);
  return EXIT.usage;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`imprint: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(EXIT.usage);
  },
);
