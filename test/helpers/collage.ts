import sharp from "sharp";

export interface Placed {
  bytes: Buffer;
  /** Where the photo was put, in query pixels: its corners top-left, top-right, bottom-right, bottom-left. */
  corners: [number, number][];
}

/**
 * A collage `width` × `height` px: other "products" (shapes, names, prices) on a grid, and `photo` scaled to `share`
 * of the width with its top-left corner at (left, top). Deterministic, so a test knows where the copy sits.
 */
export async function collage(photo: Buffer, { width = 1400, height = 700, share = 0.4, left = 760, top = 120 } = {}): Promise<Placed> {
  const meta = await sharp(photo).metadata();
  const pw = Math.round(width * share), ph = Math.round((pw * meta.height!) / meta.width!);
  const cards: string[] = [];
  for (let i = 0; i < 8; i++) {
    const x = (i % 4) * (width / 4), y = Math.floor(i / 4) * (height / 2), hue = (i * 47) % 360;
    cards.push(
      `<rect x="${x + 8}" y="${y + 8}" width="${width / 4 - 16}" height="${height / 2 - 16}" fill="hsl(${hue},30%,88%)"/>`,
      `<circle cx="${x + 90}" cy="${y + 100}" r="${40 + (i % 3) * 12}" fill="hsl(${(hue + 120) % 360},60%,45%)"/>`,
      `<rect x="${x + 150}" y="${y + 60}" width="${60 + i * 5}" height="${90 - i * 4}" rx="10" fill="hsl(${(hue + 200) % 360},55%,40%)"/>`,
      `<text x="${x + 30}" y="${y + height / 2 - 60}" font-family="DejaVu Sans" font-size="26" fill="#222">Item ${i + 1}</text>`,
      `<text x="${x + 30}" y="${y + height / 2 - 28}" font-family="DejaVu Sans" font-weight="bold" font-size="24" fill="#c00">€${(12.5 * (i + 1)).toFixed(2)}</text>`,
    );
  }
  const page = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width}" height="${height}" fill="white"/>${cards.join("")}</svg>`;
  const scaled = await sharp(photo).rotate().resize(pw, ph, { fit: "fill" }).png().toBuffer();
  const bytes = await sharp(Buffer.from(page)).composite([{ input: scaled, left, top }]).jpeg({ quality: 88 }).toBuffer();
  return { bytes, corners: [[left, top], [left + pw, top], [left + pw, top + ph], [left, top + ph]] };
}
