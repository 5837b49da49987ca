/**
 * The match picture: the copy and the original side by side, each matched keypoint pair joined by a line, and
 * the copy's outline drawn onto the original. It shows a reviewer what the similarity number counts.
 */
import sharp from "sharp";

export type Point = [number, number];

/** Row-major 2×3 affine map, copy pixels → original pixels: u = a·x + b·y + tx, v = c·x + d·y + ty. */
export type Affine = [a: number, b: number, tx: number, c: number, d: number, ty: number];

export interface Size {
  width: number;
  height: number;
}

/**
 * What the matcher's verification found, in each image's own pixel coordinates (the image as registered or
 * listed, after EXIF orientation): the inlier pairs and the transform they agree on.
 */
export interface MatchGeometry {
  querySize: Size;
  originalSize: Size;
  /** Inlier pairs, i ↔ i: a point of the copy (query) and the original's point it matched. */
  queryPoints: Point[];
  originalPoints: Point[];
  /** Copy pixels → original pixels (a mirrored copy has a reflection in it). */
  transform: Affine;
  /** The copy's outline on the original, in original pixels; by default its frame mapped through `transform`. */
  outline?: Point[];
}

export interface MatchPictureInput {
  /** The copy (query or listing image) and the original, encoded (any format sharp reads); thumbnails do. */
  query: Buffer;
  original: Buffer;
  geometry: MatchGeometry;
  /** Height of each panel in the picture, px. */
  height?: number;
}

const GAP = 16;
const LINE_COLOURS = ["#00a6ed", "#7fb800", "#ffb400", "#f6511d", "#a259ff", "#0d2c54"];

export function applyAffine(t: Affine, [x, y]: Point): Point {
  return [t[0] * x + t[1] * y + t[2], t[3] * x + t[4] * y + t[5]];
}

/** The copy's frame mapped onto the original: where the copy sits in it. */
export function outlineOf(g: MatchGeometry): Point[] {
  if (g.outline) return g.outline;
  const { width: w, height: h } = g.querySize;
  const corners: Point[] = [[0, 0], [w, 0], [w, h], [0, h]];
  return corners.map((p) => applyAffine(g.transform, p));
}

/** Renders the match picture as PNG: copy on the left, original on the right. */
export async function renderMatchPicture(input: MatchPictureInput): Promise<Buffer> {
  const g = input.geometry;
  if (g.queryPoints.length !== g.originalPoints.length) throw new Error("invariant violated: point lists differ in length");
  const height = input.height ?? 360;
  const panel = (size: Size) => ({ width: Math.max(1, Math.round((height * size.width) / size.height)), height });
  const left = panel(g.querySize), right = panel(g.originalSize);
  const qs = left.height / g.querySize.height, os = right.height / g.originalSize.height;
  const rightX = left.width + GAP;
  const width = rightX + right.width;

  const [queryPanel, originalPanel] = await Promise.all([
    sharp(input.query).rotate().resize(left.width, left.height, { fit: "fill" }).png().toBuffer(),
    sharp(input.original).rotate().resize(right.width, right.height, { fit: "fill" }).png().toBuffer(),
  ]);

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
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<polygon points="${outline}" fill="#ff2d55" fill-opacity="0.08" stroke="#ff2d55" stroke-width="2.5" stroke-dasharray="8 4"/>` +
    lines.join("") +
    `</svg>`;

  return sharp({ create: { width, height, channels: 3, background: "#ffffff" } })
    .composite([
      { input: queryPanel, left: 0, top: 0 },
      { input: originalPanel, left: rightX, top: 0 },
      { input: Buffer.from(svg), left: 0, top: 0 },
    ])
    .png({ compressionLevel: 6 })
    .toBuffer();
}

const f = (n: number) => n.toFixed(1);
