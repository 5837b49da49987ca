/**
 * A small flowing layout over pdf-lib for the reports: A4 pages, a cursor that moves down, bilingual field
 * labels, wrapped text in any script (DocumentFonts picks the glyphs), images, a vector QR code and file
 * attachments. New pages open when the cursor reaches the bottom margin.
 */
import { PDFDocument, rgb, StandardFonts, type PDFFont, type PDFImage, type PDFPage } from "pdf-lib";
import QRCode from "qrcode";
import sharp from "sharp";
import { DocumentFonts, type Weight } from "./fonts";
import type { Label } from "./labels";

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 42;
const LABEL_WIDTH = 150;
const FOOTER = 24;
const INK = rgb(0.1, 0.1, 0.12);
const MUTED = rgb(0.42, 0.42, 0.46);
const RULE = rgb(0.82, 0.82, 0.85);

export interface TextStyle {
  size?: number;
  weight?: Weight;
  colour?: ReturnType<typeof rgb>;
  /** Courier: for hex values, which are ASCII and read better with fixed-width digits. */
  mono?: boolean;
}

export interface DocumentInfo {
  title: string;
  subject: string;
  /** Fixed for reproducible output in tests and benchmarks; the time of building otherwise. */
  createdAt: Date;
}

export class ReportWriter {
  readonly doc: PDFDocument;
  private page!: PDFPage;
  private y = 0;
  private readonly widths = new Map<PDFFont, Map<string, number>>();

  private constructor(doc: PDFDocument, private readonly fonts: DocumentFonts, private readonly mono: PDFFont) {
    this.doc = doc;
    this.newPage();
  }

  static async create(info: DocumentInfo): Promise<ReportWriter> {
    const doc = await PDFDocument.create();
    doc.setTitle(info.title);
    doc.setSubject(info.subject);
    doc.setProducer("Imprint");
    doc.setCreator("Imprint");
    doc.setCreationDate(info.createdAt);
    doc.setModificationDate(info.createdAt);
    const fonts = await DocumentFonts.embed(doc);
    return new ReportWriter(doc, fonts, await doc.embedFont(StandardFonts.Courier));
  }

  get contentWidth(): number {
    return A4[0] - 2 * MARGIN;
  }

  get left(): number {
    return MARGIN;
  }

  /** Room left on this page, in points. */
  get room(): number {
    return this.y - MARGIN - FOOTER;
  }

  newPage(): void {
    this.page = this.doc.addPage(A4);
    this.y = A4[1] - MARGIN;
  }

  /** Opens a new page unless `height` points fit on this one. */
  ensure(height: number): void {
    if (height > this.room) this.newPage();
  }

  gap(points: number): void {
    this.y -= points;
  }

  /** Top of the free space on the current page. */
  get cursor(): number {
    return this.y;
  }

  async title(label: Label, subtitle?: string): Promise<void> {
    await this.text(label.en, { size: 18, weight: 700 });
    await this.text(label.zh, { size: 13, weight: 700, colour: MUTED });
    if (subtitle) await this.text(subtitle, { size: 9, colour: MUTED });
    this.gap(6);
  }

  async section(label: Label): Promise<void> {
    this.ensure(60);
    this.gap(8);
    await this.text(`${label.en}  ·  ${label.zh}`, { size: 11.5, weight: 700 });
    this.page.drawLine({ start: { x: MARGIN, y: this.y + 2 }, end: { x: A4[0] - MARGIN, y: this.y + 2 }, thickness: 0.6, color: RULE });
    this.gap(6);
  }

  /** A row: the label (English over Chinese) on the left, the value wrapped on the right. */
  async field(label: Label, value: string, style: TextStyle = {}): Promise<void> {
    const size = style.size ?? 9;
    const valueX = MARGIN + LABEL_WIDTH;
    const lines: string[] = [];
    for (const paragraph of value.split(/\r?\n/)) lines.push(...(await this.wrap(paragraph, this.contentWidth - LABEL_WIDTH, size, style)));
    const lineHeight = size * 1.35;
    // Keep the label with the first lines; a long value (a statement) runs on over the following pages.
    this.ensure(Math.min(Math.max(22, lines.length * lineHeight), 4 * lineHeight) + 4);
    const top = this.y;
    await this.drawLine(label.en, MARGIN, top - 8.5, { size: 8.5, weight: 700 });
    await this.drawLine(label.zh, MARGIN, top - 18.5, { size: 7.5, colour: MUTED });
    let baseline = top - size;
    let labelOnThisPage = true;
    for (const [i, line] of lines.entries()) {
      if (i > 0) baseline -= lineHeight;
      if (baseline - MARGIN - FOOTER < 0) {
        this.newPage();
        baseline = this.y - size;
        labelOnThisPage = false;
      }
      await this.drawLine(line, valueX, baseline, { ...style, size });
    }
    const valueBottom = baseline - size * 0.35;
    this.y = (labelOnThisPage ? Math.min(valueBottom, top - 22) : valueBottom) - 4;
  }

  /** Wrapped text across the full width (or `width` from `x`). */
  async text(text: string, style: TextStyle = {}, x = MARGIN, width = this.contentWidth): Promise<void> {
    const size = style.size ?? 9;
    for (const paragraph of text.split(/\r?\n/)) {
      for (const line of await this.wrap(paragraph, width, size, style)) {
        this.ensure(size * 1.4);
        this.y -= size * 1.1;
        await this.drawLine(line, x, this.y, { ...style, size });
        this.y -= size * 0.3;
      }
    }
  }

  /** Draws an image with its top-left corner at (x, cursor); does not move the cursor. */
  drawImage(image: PDFImage, x: number, width: number, height: number, top = this.y): void {
    this.page.drawImage(image, { x, y: top - height, width, height });
    this.page.drawRectangle({ x, y: top - height, width, height, borderColor: RULE, borderWidth: 0.5 });
  }

  /** A caption of one or two short lines under an image; does not move the cursor. */
  async caption(text: string, x: number, top: number, style: TextStyle = { size: 7.5, colour: MUTED }): Promise<void> {
    await this.drawLine(text, x, top - (style.size ?? 7.5), style);
  }

  /** The QR code of `data` as vector squares, `side` points wide, top-left at (x, top). */
  qr(data: string, x: number, top: number, side: number): void {
    const modules = QRCode.create(data, { errorCorrectionLevel: "M" }).modules;
    const cell = side / modules.size;
    for (let r = 0; r < modules.size; r++) {
      for (let c = 0; c < modules.size; c++) {
        if (modules.get(r, c)) this.page.drawRectangle({ x: x + c * cell, y: top - (r + 1) * cell, width: cell + 0.05, height: cell + 0.05, color: INK });
      }
    }
  }

  async attach(bytes: Uint8Array, name: string, mimeType: string, description: string, at: Date): Promise<void> {
    await this.doc.attach(bytes, name, { mimeType, description, creationDate: at, modificationDate: at });
  }

  /** Any picture sharp reads (WebP thumbnails included), embedded as JPEG on white. */
  async embedPicture(bytes: Buffer): Promise<{ image: PDFImage; width: number; height: number }> {
    const { data, info } = await sharp(bytes).rotate().flatten({ background: "#ffffff" }).jpeg({ quality: 85 }).toBuffer({ resolveWithObject: true });
    return { image: await this.doc.embedJpg(data), width: info.width, height: info.height };
  }

  /** A picture scaled to fit a `box` × `box` square at (x, top), its caption under it; returns the height used. */
  async picture(bytes: Buffer, x: number, top: number, box: number, caption: string): Promise<number> {
    const { image, width, height } = await this.embedPicture(bytes);
    const scale = Math.min(box / width, box / height);
    this.drawImage(image, x, width * scale, height * scale, top);
    await this.caption(caption, x, top - height * scale - 2);
    return height * scale + 12;
  }

  /** Numbers every page in its footer, then serialises the document. */
  async save(footer: string): Promise<Uint8Array> {
    const pages = this.doc.getPages();
    for (const [i, page] of pages.entries()) {
      this.page = page;
      await this.drawLine(`${footer}  ·  ${i + 1} / ${pages.length}`, MARGIN, MARGIN - 6, { size: 7, colour: MUTED });
    }
    return this.doc.save();
  }

  private async drawLine(text: string, x: number, y: number, style: TextStyle): Promise<void> {
    const size = style.size ?? 9;
    const color = style.colour ?? INK;
    if (style.mono) {
      this.page.drawText(text, { x, y, size, font: this.mono, color });
      return;
    }
    for (const run of await this.fonts.runs(text, style.weight ?? 400)) {
      this.page.drawText(run.text, { x, y, size, font: run.font, color });
      x += this.width(run.font, run.text) * size;
    }
  }

  /** Greedy line breaking: at spaces in alphabetic text, between any two CJK characters, inside over-long tokens. */
  private async wrap(text: string, width: number, size: number, style: TextStyle): Promise<string[]> {
    const tokens = text.match(/\s+|[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+/g) ?? [""];
    const measure = async (s: string) => {
      if (style.mono) return this.mono.widthOfTextAtSize(s, size);
      let w = 0;
      for (const run of await this.fonts.runs(s, style.weight ?? 400)) w += this.width(run.font, run.text) * size;
      return w;
    };
    const lines: string[] = [];
    let line = "";
    for (const token of tokens) {
      if ((await measure(line + token)) <= width) {
        line += token;
        continue;
      }
      if (line.trim()) lines.push(line.trimEnd());
      line = /^\s+$/.test(token) ? "" : token;
      // A token wider than a line (a long hash, a URL) is cut where it overflows.
      while ((await measure(line)) > width) {
        // The longest prefix that fits, by bisection (a pasted URL or hash can be long).
        const chars = [...line];
        let lo = 1, hi = chars.length - 1;
        while (lo < hi) {
          const mid = Math.ceil((lo + hi) / 2);
          if ((await measure(chars.slice(0, mid).join(""))) <= width) lo = mid;
          else hi = mid - 1;
        }
        lines.push(chars.slice(0, lo).join(""));
        line = chars.slice(lo).join("");
      }
    }
    if (line.trim() || lines.length === 0) lines.push(line.trimEnd());
    return lines;
  }

  /** Advance width of `text` at size 1, cached per character. */
  private width(font: PDFFont, text: string): number {
    let perChar = this.widths.get(font);
    if (!perChar) this.widths.set(font, (perChar = new Map()));
    let w = 0;
    for (const ch of text) {
      let cw = perChar.get(ch);
      if (cw === undefined) perChar.set(ch, (cw = font.widthOfTextAtSize(ch, 1)));
      w += cw;
    }
    return w;
  }
}

export const COLOURS = { INK, MUTED, RULE };
