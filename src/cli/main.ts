import { parseArgs } from "node:util";
import { verifyCommand } from "./verify-command";

const USAGE = `usage: imprint verify <bundle.json> [--image FILE] [--rpc URL] [--json]

  verify   checks an evidence bundle with nothing but the bundle and an Ethereum RPC:
           leaf, id, Merkle proof, the Anchored event in the transaction's receipt,
           the block time and anchoredAt(root); with --image, that the image is the
           registered one (same SHA-256) or how far its PDQ is from it.
           A search receipt (format imprint.search-receipt.v1) is verified the same way:
           record digest, leaf, proof, chain; --image compares with the query image.
  --rpc    the chain's RPC URL (default: $IMPRINT_RPC_URL, else http://127.0.0.1:8545)
  --json   print the verdict as JSON
Exit code: 0 verified, 1 not verified, 2 usage or input error.`;

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb !== "verify" && verb !== "v") {
    console.error(USAGE);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { image: { type: "string" }, rpc: { type: "string" }, json: { type: "boolean", default: false } },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.positionals.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  return verifyCommand(
    {
      bundlePath: parsed.positionals[0],
      imagePath: parsed.values.image,
      rpcUrl: parsed.values.rpc ?? process.env.IMPRINT_RPC_URL ?? "http://127.0.0.1:8545",
      json: parsed.values.json ?? false,
    },
    (line) => console.log(line),
  );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`imprint: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
