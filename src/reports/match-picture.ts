/**
 * The match picture: the copy and the original side by side, each matched keypoint pair joined by a line, and
 * the copy's outline drawn onto the original. It shows a reviewer what the similarity number counts. A match
 * without geometry (byte-identical, or found by its global hash only) is drawn as the two pictures alone.
 */
import sharp from "sharp";
import { apply, type MatchGeometry, type Point, type Size } from "../matching/geometry";

export interface MatchPictureInput {
  /** The copy (query or listing image) and the original, encoded (any format sharp reads); thumbnails do. */
  query: Buffer;
  original: Buffer;
  /**
   * The matcher's geometry in each image's own pixels (toPixelGeometry): the picture scales it to the panels,
   * so the images may be smaller renditions of the same aspect. Null: no lines, no outline.
   */
  geometry: MatchGeometry | null;
  /** Height of each panel in the picture, px. */
  height?: number;
}

const GAP = 16;
const LINE_COLOURS = ["#00a6ed", "#7fb800", "#ffb400", "#f6511d", "#a259ff", "#0d2c54"];

/** The copy's frame mapped onto the original (through the query → original transform): where the copy sits in it. */
export function outlineOf(g: MatchGeometry): Point[] {
  const { width: w, height: h } = g.querySize;
  const corners: Point[] = [[0, 0], [w, 0], [w, h], [0, h]];
  return corners.map((p) => apply(g.transform, p));
}

/** Renders the match picture as PNG: copy on the left, original on the right. */
export async function renderMatchPicture(input: MatchPictureInput): Promise<Buffer> {
  const g = input.geometry;
  if (g && g.queryPoints.length !== g.originalPoints.length) throw new Error("invariant violated: point lists differ in length");
  const height = input.height ?? 360;
  const [querySize, originalSize] = g ? [g.querySize, g.originalSize] : await Promise.all([orientedSize(input.query), orientedSize(input.original)]);
  const panel = (size: Size) => ({ width: Math.max(1, Math.round((height * size.width) / size.height)), height });
  const left = panel(querySize), right = panel(originalSize);
  const rightX = left.width + GAP;
  const width = rightX + right.width;

  const [queryPanel, originalPanel] = await Promise.all([
    sharp(input.query).rotate().resize(left.width, left.height, { fit: "fill" }).png().toBuffer(),
    sharp(input.original).rotate().resize(right.width, right.height, { fit: "fill" }).png().toBuffer(),
  ]);
  const layers = [
    { input: queryPanel, left: 0, top: 0 },
    { input: originalPanel, left: rightX, top: 0 },
  ];
  if (g) layers.push({ input: Buffer.from(geometrySvg(g, width, height, left.height / querySize.height, right.height / originalSize.height, rightX)), left: 0, top: 0 });

  return sharp({ create: { width, height, channels: 3, background: "#ffffff" } })
    .composite(layers)
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** The lines between inlier pairs and the copy's outline on the original, over both panels. */
function geometrySvg(g: MatchGeometry, width: number, height: number, qs: number, os: number, rightX: number): string {
  const lines = g.queryPoints.map((q, i) => {
    const o = g.originalPoints[i];
    const colour = LINE_COLOURS[i % LINE_COLOURS.length];
    const [x1, y1] = [q[0] * qs, q[1] * qs];
    const [x2, y2] = [rightX + o[0] * os, o[1] * os];
    return (
      `<line x1="${f(x1)}" y1="${f(y1)}" x2="${f(x2)}" y2="${f(y2)}" stroke="${colour}" stroke-width="1.2" stroke-opacity="0.85"/>` +
      `<circle cx="${f(x1)}" cy="${f(y1)}" r="2.6" fill="none" stroke="${colour}" stroke-width="1.2"/>` +
      `<circle cx="${f(x2)}" cy="${f(y2)}" r="2.6" fill="none" stroke="${colour}" stroke-width="1.2"/>`
    );
  });
  const outline = outlineOf(g)
    .map(([x, y]) => `${f(rightX + x * os)},${f(y * os)}`)
    .join(" ");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<polygon points="${outline}" fill="#ff2d55" fill-opacity="0.08" stroke="#ff2d55" stroke-width="2.5" stroke-dasharray="8 4"/>` +
    lines.join("") +
    `</svg>`
  );
}

/** The size of an encoded picture as displayed (EXIF orientation applied, as `.rotate()` above does). */
async function orientedSize(image: Buffer): Promise<Size> {
  const { width, height, orientation } = await sharp(image).metadata();
  return (orientation ?? 1) >= 5 ? { width: height!, height: width! } : { width: width!, height: height! };
}

const f = (n: number) => n.toFixed(1);
