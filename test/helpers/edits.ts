import sharp from "sharp";

/** An evasive copy: rotated 10°, cropped off-centre, recompressed. */
export async function rotatedCrop(bytes: Buffer): Promise<Buffer> {
  const rotated = await sharp(bytes).rotate(10, { background: "#ffffff" }).toBuffer({ resolveWithObject: true });
  const { width, height } = rotated.info;
  return sharp(rotated.data)
    .extract({ left: Math.round(width * 0.18), top: Math.round(height * 0.12), width: Math.round(width * 0.7), height: Math.round(height * 0.75) })
    .jpeg({ quality: 70 })
    .toBuffer();
}

/** A copy with a semi-transparent logo over ~15 % of it and a text watermark. */
export async function logoed(bytes: Buffer): Promise<Buffer> {
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  const w = Math.round(width * 0.4);
  const h = Math.round(height * 0.38);
  const svg = `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
    <rect x="${width - w - 20}" y="20" width="${w}" height="${h}" rx="20" fill="#d02020" fill-opacity="0.55"/>
    <text x="30" y="${height - 30}" font-size="${Math.round(height / 12)}" fill="#ffffff" fill-opacity="0.7">© copied-shop.example</text></svg>`;
  return sharp(bytes).composite([{ input: Buffer.from(svg) }]).jpeg({ quality: 80 }).toBuffer();
}
