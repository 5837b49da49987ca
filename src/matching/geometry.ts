/**
 * Where a verified copy sits, in the form a "match picture" (the query beside the original, with the matched points
 * joined and the copy outlined) is drawn from: the inlier point pairs, the copy's outline in the query and the
 * query → original transform. The matcher works in each image's working-image pixels; toPixelGeometry restates it
 * in each image's own pixels.
 */
import type { Similarity } from "./ransac";

export type Point = [x: number, y: number];

/** Row-major 2×3 affine map [a, b, c, d, e, f]: (x, y) → (a·x + b·y + c, d·x + e·y + f). */
export type Affine = [a: number, b: number, c: number, d: number, e: number, f: number];

export interface Size {
  width: number;
  height: number;
}

export interface MatchGeometry {
  /** The inlier pairs: queryPoints[i] in the query shows the same thing as originalPoints[i] in the original. */
  queryPoints: Point[];
  originalPoints: Point[];
  /**
   * The copy's outline in the query: the original's corners (top-left, top-right, bottom-right, bottom-left of the
   * original) mapped into the query. For a copy inside a larger picture it outlines the copy; for a cropped copy it
   * reaches beyond the query's frame.
   */
  region: [Point, Point, Point, Point];
  /** Query → original (a mirrored copy has a negative determinant). */
  transform: Affine;
  /** The sizes the coordinates above are in: working images inside the matcher, pixels after toPixelGeometry. */
  querySize: Size;
  originalSize: Size;
}

/**
 * The geometry of a verified pair. `t` maps the query view's keypoints (of its mirror image when `mirrored`) to the
 * original's; the inlier pairs are given in the same coordinates and un-mirrored here.
 */
export function matchGeometry(
  t: Similarity,
  mirrored: boolean,
  pairs: { query: Point[]; original: Point[] },
  querySize: Size,
  originalSize: Size,
): MatchGeometry {
  // Flipping x ↦ w − 1 − x (flipGrey's pixel mirror) before the similarity.
  const w1 = querySize.width - 1;
  const transform: Affine = mirrored
    ? [-t.a, -t.b, t.a * w1 + t.tx, -t.b, t.a, t.b * w1 + t.ty]
    : [t.a, -t.b, t.tx, t.b, t.a, t.ty];
  const unmirror = ([x, y]: Point): Point => (mirrored ? [w1 - x, y] : [x, y]);
  const inverse = invert(transform);
  const { width: ow, height: oh } = originalSize;
  const corners: Point[] = [[0, 0], [ow, 0], [ow, oh], [0, oh]];
  const region = corners.map((p) => apply(inverse, p)) as MatchGeometry["region"];
  return { queryPoints: pairs.query.map(unmirror), originalPoints: pairs.original, region, transform, querySize, originalSize };
}

/** The same geometry in each image's own pixels (the working images are the pixel images scaled uniformly). */
export function toPixelGeometry(g: MatchGeometry, queryPixels: Size, originalPixels: Size): MatchGeometry {
  const qx = queryPixels.width / g.querySize.width, qy = queryPixels.height / g.querySize.height;
  const ox = originalPixels.width / g.originalSize.width, oy = originalPixels.height / g.originalSize.height;
  const q = ([x, y]: Point): Point => [round2(x * qx), round2(y * qy)];
  const o = ([x, y]: Point): Point => [round2(x * ox), round2(y * oy)];
  const [a, b, c, d, e, f] = g.transform;
  return {
    queryPoints: g.queryPoints.map(q),
    originalPoints: g.originalPoints.map(o),
    region: g.region.map(q) as MatchGeometry["region"],
    transform: [(a * ox) / qx, (b * ox) / qy, c * ox, (d * oy) / qx, (e * oy) / qy, f * oy],
    querySize: { ...queryPixels },
    originalSize: { ...originalPixels },
  };
}

/** The bounding box of a copy's outline (it may reach beyond the query's frame). */
export function regionBounds(region: MatchGeometry["region"]): { left: number; top: number; right: number; bottom: number } {
  const xs = region.map(([x]) => x), ys = region.map(([, y]) => y);
  return { left: Math.min(...xs), top: Math.min(...ys), right: Math.max(...xs), bottom: Math.max(...ys) };
}

export function apply([a, b, c, d, e, f]: Affine, [x, y]: Point): Point {
  return [a * x + b * y + c, d * x + e * y + f];
}

function invert([a, b, c, d, e, f]: Affine): Affine {
  const det = a * e - b * d;
  return [e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det];
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * The same pair seen from the other side: the original becomes the query. A watch alert raised for a new original
 * against an earlier copy was matched with the original as the query, and its picture must show the copy as one.
 */
export function reversedGeometry(g: MatchGeometry): MatchGeometry {
  const transform = invert(g.transform);
  const { width: qw, height: qh } = g.querySize;
  const corners: Point[] = [[0, 0], [qw, 0], [qw, qh], [0, qh]];
  return {
    queryPoints: g.originalPoints,
    originalPoints: g.queryPoints,
    region: corners.map((p) => apply(g.transform, p)) as MatchGeometry["region"],
    transform,
    querySize: g.originalSize,
    originalSize: g.querySize,
  };
}
