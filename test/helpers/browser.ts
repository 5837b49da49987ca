import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { expect } from "vitest";
import { seriousViolations } from "./axe";

/** Where the browser tests keep their screenshots (test-output/ is not committed), and the widths they take. */
export const SCREENSHOTS = path.join(__dirname, "../../test-output/screenshots");
export const VIEWPORTS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };

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

/** Screenshots the page at desktop and phone widths and checks it for serious accessibility violations. */
export async function screenshotAndAudit(page: Page, name: string): Promise<void> {
  for (const [label, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(VIEWPORTS.desktop);
  expect(await seriousViolations(page), name).toEqual([]);
}
