/** Reading a PDF the way a recipient would, with poppler's tools (.ci/run installs poppler-utils). */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";

const run = promisify(execFile);

async function withPdf<T>(pdf: Uint8Array, work: (file: string, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), "imprint-pdf-"));
  const file = path.join(dir, "report.pdf");
  writeFileSync(file, pdf);
  try {
    return await work(file, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every embedded file, by name (`pdfdetach -saveall`). */
export function pdfAttachments(pdf: Uint8Array): Promise<Map<string, Buffer>> {
  return withPdf(pdf, async (file, dir) => {
    const out = path.join(dir, "attachments");
    await run("mkdir", [out]);
    await run("pdfdetach", ["-saveall", "-o", out, file]);
    return new Map(readdirSync(out).map((name) => [name, readFileSync(path.join(out, name))]));
  });
}

/** The text of every page (`pdftotext`). */
export function pdfText(pdf: Uint8Array): Promise<string> {
  return withPdf(pdf, async (file) => (await run("pdftotext", ["-enc", "UTF-8", file, "-"], { maxBuffer: 16 << 20 })).stdout);
}

/** Every page rendered to PNG at `dpi` (`pdftoppm`), in page order. */
export function renderPages(pdf: Uint8Array, dpi = 40): Promise<Buffer[]> {
  return withPdf(pdf, async (file, dir) => {
    await run("pdftoppm", ["-r", String(dpi), "-png", file, path.join(dir, "page")]);
    return readdirSync(dir)
      .filter((n) => n.startsWith("page") && n.endsWith(".png"))
      .sort((a, b) => Number(a.match(/(\d+)\.png$/)![1]) - Number(b.match(/(\d+)\.png$/)![1]))
      .map((n) => readFileSync(path.join(dir, n)));
  });
}

/** Share of a page's pixels that are not near-white: a rendered page with content has a few percent at least. */
export async function inkedShare(png: Buffer): Promise<number> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  let inked = 0;
  for (const v of data) if (v < 200) inked++;
  return inked / (info.width * info.height);
}
