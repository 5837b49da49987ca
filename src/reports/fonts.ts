/**
 * The reports' fonts: Noto Sans SC from @fontsource, which ships it cut into subsets by Unicode range (WOFF,
 * TrueType outlines, which fontkit subsets well). The "chinese-simplified" file covers Latin, common
 * punctuation and ~7 900 CJK characters (1.5 MB); any other character a user typed (a rare hanzi, Cyrillic,
 * an arrow) is looked up in the package's own range table and its small numbered file embedded too, so every
 * character Noto Sans SC has renders; one it lacks (Greek, emoji) shows as a box.
 * Only the glyphs a document uses end up in it (subset: true).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { inflateSync } from "node:zlib";
import fontkit from "@pdf-lib/fontkit";
import type { PDFDocument, PDFFont } from "pdf-lib";

export type Weight = 400 | 700;

const PRIMARY_SUBSET = "chinese-simplified";

interface RangeFile {
  subset: string;
  ranges: [number, number][];
}

/** The package's folder: its `exports` map `./*` to CSS, so files are found from its main entry. */
function packageDir(): string {
  return path.dirname(require.resolve("@fontsource/noto-sans-sc"));
}

let rangeTable: RangeFile[] | undefined;
const fileCache = new Map<string, Buffer>();

/** `{"[4]": "U+1f1e9-1f1f5,U+1f21a,…", "latin": …}` from the package's unicode.json. */
function ranges(): RangeFile[] {
  if (!rangeTable) {
    const table = JSON.parse(readFileSync(path.join(packageDir(), "unicode.json"), "utf8")) as Record<string, string>;
    rangeTable = Object.entries(table).map(([key, spec]) => ({
      subset: key.replace(/^\[(\d+)\]$/, "$1"),
      ranges: spec.split(",").map((part) => {
        const [lo, hi] = part.trim().replace(/^U\+/i, "").split("-");
        return [parseInt(lo, 16), parseInt(hi ?? lo, 16)] as [number, number];
      }),
    }));
  }
  return rangeTable;
}

/** A subset file as plain TrueType, unpacked once per process (see woffToSfnt). */
function fontFile(subset: string, weight: Weight): Buffer {
  const name = `noto-sans-sc-${subset}-${weight}-normal.woff`;
  let bytes = fileCache.get(name);
  if (!bytes) {
    bytes = woffToSfnt(readFileSync(path.join(packageDir(), "files", name)));
    fileCache.set(name, bytes);
  }
  return bytes;
}

interface SfntTable {
  tag: Buffer;
  checksum: number;
  data: Buffer;
}

/**
 * Rewrites glyf so every glyph starts at a multiple of 4, with a long loca. These files (rebuilt from WOFF2)
 * pack glyphs back to back at odd offsets; fontkit's subsetter copies glyphs with their lengths and then writes
 * a short loca (offset / 2) when the subset is small, which silently shifts every glyph after an odd one: half
 * the characters came out blank.
 */
function padGlyphs(tables: SfntTable[]): void {
  const find = (tag: string) => tables.find((t) => t.tag.toString("latin1") === tag);
  const head = find("head"), loca = find("loca"), glyf = find("glyf"), maxp = find("maxp");
  if (!head || !loca || !glyf || !maxp) return;
  const numGlyphs = maxp.data.readUInt16BE(4);
  const long = head.data.readInt16BE(50) === 1;
  const offset = (i: number) => (long ? loca.data.readUInt32BE(4 * i) : 2 * loca.data.readUInt16BE(2 * i));
  const newLoca = Buffer.alloc(4 * (numGlyphs + 1));
  const pieces: Buffer[] = [];
  let at = 0;
  for (let i = 0; i < numGlyphs; i++) {
    const glyph = glyf.data.subarray(offset(i), offset(i + 1));
    newLoca.writeUInt32BE(at, 4 * i);
    const padded = (glyph.length + 3) & ~3;
    pieces.push(glyph, Buffer.alloc(padded - glyph.length));
    at += padded;
  }
  newLoca.writeUInt32BE(at, 4 * numGlyphs);
  const newHead = Buffer.from(head.data);
  newHead.writeInt16BE(1, 50);
  Object.assign(head, { data: newHead, checksum: 0 });
  Object.assign(loca, { data: newLoca, checksum: 0 });
  Object.assign(glyf, { data: Buffer.concat(pieces), checksum: 0 });
}

/**
 * WOFF 1.0 → the TrueType file it wraps (each table zlib-inflated, 4-byte aligned). fontkit reads WOFF, but
 * re-inflates the whole glyf table for every glyph it touches: measuring one string took ~14 ms and saving a
 * page ~4 s. Unpacked, the same work takes microseconds.
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.toString("latin1", 0, 4) !== "wOFF") throw new Error("invariant violated: not a WOFF 1.0 font");
  const numTables = woff.readUInt16BE(12);
  const tables: SfntTable[] = Array.from({ length: numTables }, (_, i) => {
    const at = 44 + i * 20;
    const offset = woff.readUInt32BE(at + 4), compLength = woff.readUInt32BE(at + 8), origLength = woff.readUInt32BE(at + 12);
    const raw = woff.subarray(offset, offset + compLength);
    return { tag: woff.subarray(at, at + 4), checksum: woff.readUInt32BE(at + 16), data: compLength < origLength ? inflateSync(raw) : raw };
  });
  padGlyphs(tables);
  const headerSize = 12 + 16 * numTables;
  const size = tables.reduce((n, t) => n + ((t.data.length + 3) & ~3), headerSize);
  const out = Buffer.alloc(size);
  const entrySelector = Math.floor(Math.log2(numTables));
  out.writeUInt32BE(woff.readUInt32BE(4), 0); // flavor: 0x00010000 for TrueType outlines
  out.writeUInt16BE(numTables, 4);
  out.writeUInt16BE(16 * 2 ** entrySelector, 6);
  out.writeUInt16BE(entrySelector, 8);
  out.writeUInt16BE(numTables * 16 - 16 * 2 ** entrySelector, 10);
  let offset = headerSize;
  tables.forEach((t, i) => {
    const at = 12 + i * 16;
    t.tag.copy(out, at);
    out.writeUInt32BE(t.checksum, at + 4);
    out.writeUInt32BE(offset, at + 8);
    out.writeUInt32BE(t.data.length, at + 12);
    t.data.copy(out, offset);
    offset += (t.data.length + 3) & ~3;
  });
  return out;
}

/** The subset file holding a code point, other than the primary one (undefined: Noto Sans SC lacks it). */
function subsetOf(codePoint: number): string | undefined {
  for (const file of ranges()) {
    if (file.subset === PRIMARY_SUBSET) continue;
    if (file.ranges.some(([lo, hi]) => codePoint >= lo && codePoint <= hi)) return file.subset;
  }
  return undefined;
}

export interface TextRun {
  text: string;
  font: PDFFont;
}

/**
 * The fonts embedded in one document: the primary file per weight, and the fallback files embedded on first
 * need. `runs` cuts a string into pieces each drawn with one font.
 */
export class DocumentFonts {
  private readonly primary = new Map<Weight, { font: PDFFont; covers: Set<number> }>();
  private readonly fallbacks = new Map<string, PDFFont | null>();

  private constructor(private readonly doc: PDFDocument) {}

  static async embed(doc: PDFDocument): Promise<DocumentFonts> {
    doc.registerFontkit(fontkit);
    const fonts = new DocumentFonts(doc);
    for (const weight of [400, 700] as const) {
      const font = await doc.embedFont(fontFile(PRIMARY_SUBSET, weight), { subset: true });
      fonts.primary.set(weight, { font, covers: new Set(font.getCharacterSet()) });
    }
    return fonts;
  }

  font(weight: Weight): PDFFont {
    return this.primary.get(weight)!.font;
  }

  async runs(text: string, weight: Weight): Promise<TextRun[]> {
    const { font: primary, covers } = this.primary.get(weight)!;
    const out: TextRun[] = [];
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      let font = primary;
      if (!covers.has(cp) && cp > 0x20) font = (await this.fallback(subsetOf(cp), weight)) ?? primary;
      const last = out[out.length - 1];
      if (last && last.font === font) last.text += ch;
      else out.push({ text: ch, font });
    }
    return out;
  }

  private async fallback(subset: string | undefined, weight: Weight): Promise<PDFFont | null> {
    if (!subset) return null;
    const key = `${subset}-${weight}`;
    if (!this.fallbacks.has(key)) {
      this.fallbacks.set(key, await this.doc.embedFont(fontFile(subset, weight), { subset: true }));
    }
    return this.fallbacks.get(key)!;
  }
}
