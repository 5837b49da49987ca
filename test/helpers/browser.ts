import { chromium, type Browser } from "playwright-core";

/**
 * Debian's chromium driven by playwright-core (no browser download is possible here). The flags keep it from
 * reaching for Google's services, which this machine's closed network refuses.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
