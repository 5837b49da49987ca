import { readFileSync } from "node:fs";
import { HEX32, HEX8, uint64ToHex } from "../core/hex";
import { SIGNATURE_DOMAIN, SIGNATURE_TYPES, type SignedValues } from "../core/signature";
import { fingerprintImage } from "../imaging/fingerprint";
import { EXIT } from "./exit-codes";
import { loadKeyFile } from "./key-file";
import type { Output } from "./output";

export interface SignCommandOptions {
  keyFile: string;
  passwordFile?: string;
  productId: string;
  /** The image to register: its hashes are computed here, exactly as the service computes them. */
  imagePath?: string;
  /** Or the hashes themselves. */
  hashes?: { sha256: string; pdq: string; phash: string };
  /** Seconds; default now. */
  signedAt?: number;
}

/**
 * `imprint sign`: the owner's EIP-712 signature over a registration, made with a local key. Prints the form
 * fields `signer`, `signature` and `signedAt` to send with `POST /v1/originals` (and the signed values).
 */
export async function signCommand(options: SignCommandOptions, io: Output): Promise<number> {
  const wallet = await loadKeyFile(options.keyFile, options.passwordFile);
  let hashes = options.hashes;
  if (options.imagePath) {
    const fp = await fingerprintImage(readFileSync(options.imagePath));
    hashes = { sha256: fp.sha256, pdq: fp.pdq, phash: uint64ToHex(fp.phash) };
  }
  if (!hashes || !HEX32.test(hashes.sha256) || !HEX32.test(hashes.pdq) || !HEX8.test(hashes.phash)) {
    io.fail("usage", "give --image FILE, or --sha256, --pdq (0x + 64 lowercase hex) and --phash (0x + 16 lowercase hex)");
    return EXIT.usage;
  }
  const values: SignedValues = { ...hashes, productId: options.productId, signedAt: options.signedAt ?? Math.floor(Date.now() / 1000) };
  const signature = (await wallet.signTypedData(SIGNATURE_DOMAIN, SIGNATURE_TYPES, values)).toLowerCase();
  io.line(JSON.stringify({ signer: wallet.address.toLowerCase(), signature, ...values }, null, 2));
  return EXIT.ok;
}

/** `imprint sign-challenge`: signs a key-registration challenge (EIP-191 personal message) with a local key. */
export async function signChallengeCommand(options: { keyFile: string; passwordFile?: string; message: string }, io: Output): Promise<number> {
  const wallet = await loadKeyFile(options.keyFile, options.passwordFile);
  io.line(JSON.stringify({ address: wallet.address.toLowerCase(), signature: (await wallet.signMessage(options.message)).toLowerCase() }, null, 2));
  return EXIT.ok;
}
