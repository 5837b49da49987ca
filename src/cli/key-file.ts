import { readFileSync } from "node:fs";
import { isHexString, Wallet } from "ethers";
import { stripBom } from "./json-text";

/**
 * An owner's signing key, held on their side: a JSON keystore (geth / ethers, encrypted; the password from
 * `passwordFile` or $IMPRINT_KEY_PASSWORD) or a file holding a 0x-prefixed 32-byte hex key.
 */
export async function loadKeyFile(file: string, passwordFile?: string): Promise<Wallet> {
  const text = stripBom(readFileSync(file, "utf8")).trim();
  if (text.startsWith("{")) {
    const password = passwordFile ? readFileSync(passwordFile, "utf8").replace(/\r?\n$/, "") : process.env.IMPRINT_KEY_PASSWORD;
    if (password === undefined) throw new Error(`${file} is an encrypted keystore: give --password-file or set IMPRINT_KEY_PASSWORD`);
    const wallet = await Wallet.fromEncryptedJson(text, password);
    return new Wallet(wallet.privateKey);
  }
  if (!isHexString(text, 32)) throw new Error(`${file} holds neither a JSON keystore nor a 0x-prefixed 32-byte hex key`);
  return new Wallet(text);
}
