/**
 * The region view of a query: a closer look at where a candidate copy sits, for a verification that is ambiguous
 * (the matcher's refinePass). A copy at a fifth of a collage's width reaches a region proposal at ~0.8× of the
 * original's scale and shares its keypoints with whatever else the window holds; cropped to its own outline (with
 * a margin) from the query's largest grey image and scaled to the original's working size, it fills the view, at
 * the original's scale, with dense features (docs/calibration.md, "Region view").
 */
import sharp from "sharp";
import { DENSE_DETECT, DENSE_FAST, DENSE_KEYPOINTS, flipGrey, orbFeatures, WORK_SIZE, type GreyImage, type ImageFeatures } from "./features";
import { regionBounds, type MatchGeometry } from "./geometry";
import { loadedOrbDetector } from "./orb-detector";

/** Margin around the copy's outline, as a share of its extent on each side: RANSAC's outline is approximate. */
const REGION_MARGIN = 0.1;
/** Enlarging more than this invents no detail; the copy then stays smaller than the original's working image. */
const MAX_ENLARGEMENT = 3;
/** An outline this small (in source pixels) holds too few pixels to describe. */
const MIN_REGION_SIDE = 24;

/**
 * Features of the query where `geometry` puts the copy, in the coordinates of the query's largest grey image (its
 * detail view when it has one); of the mirrored crop, in that image's mirrored coordinates, when `mirrored` (as
 * verifyPair expects the mirror view). Undefined when the query kept no grey image or the outline is degenerate.
 */
export async function regionFeatures(q: ImageFeatures, geometry: MatchGeometry, mirrored: boolean): Promise<ImageFeatures | undefined> {
  const source = q.detailGrey ?? q.grey;
  if (!source) return undefined;
  const box = outlineBox(geometry, source);
  if (!box) return undefined;
  const crop = await cropScaled(source, box);
  const f = orbFeatures(loadedOrbDetector(), mirrored ? flipGrey(crop.grey) : crop.grey, DENSE_KEYPOINTS, DENSE_DETECT, DENSE_FAST);
  const last = crop.grey.width - 1;
  for (let i = 0; i < f.keypoints.length; i += 2) {
    const x = box.left + (mirrored ? last - f.keypoints[i] : f.keypoints[i]) / crop.scaleX;
    f.keypoints[i] = mirrored ? source.width - 1 - x : x;
    f.keypoints[i + 1] = box.top + f.keypoints[i + 1] / crop.scaleY;
  }
  return { ...f, width: source.width, height: source.height };
}

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
  /** The outline's longer extent before clipping to the image (the copy's size, even when cropped by the frame). */
  extent: number;
}

/** The outline's bounding box in `source` pixels, widened by the margin and clipped to the image. */
function outlineBox({ region, querySize }: MatchGeometry, source: GreyImage): Box | undefined {
  const sx = source.width / querySize.width, sy = source.height / querySize.height;
  const bounds = regionBounds(region);
  const x0 = bounds.left * sx, x1 = bounds.right * sx, y0 = bounds.top * sy, y1 = bounds.bottom * sy;
  if (![x0, x1, y0, y1].every(Number.isFinite)) return undefined;
  const mx = REGION_MARGIN * (x1 - x0), my = REGION_MARGIN * (y1 - y0);
  const left = Math.max(0, Math.floor(x0 - mx)), top = Math.max(0, Math.floor(y0 - my));
  const right = Math.min(source.width, Math.ceil(x1 + mx)), bottom = Math.min(source.height, Math.ceil(y1 + my));
  if (right - left < MIN_REGION_SIDE || bottom - top < MIN_REGION_SIDE) return undefined;
  return { left, top, width: right - left, height: bottom - top, extent: Math.max(x1 - x0, y1 - y0) };
}

/** The box cut from `source` and scaled so that the copy's longer side spans the working size. */
async function cropScaled(source: GreyImage, box: Box): Promise<{ grey: GreyImage; scaleX: number; scaleY: number }> {
  const scale = Math.min(MAX_ENLARGEMENT, WORK_SIZE / box.extent);
  const width = Math.max(1, Math.round(box.width * scale)), height = Math.max(1, Math.round(box.height * scale));
  const { data, info } = await sharp(source.data, { raw: { width: source.width, height: source.height, channels: 1 } })
    .extract({ left: box.left, top: box.top, width: box.width, height: box.height })
    .resize(width, height, { fit: "fill", kernel: "lanczos3" })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const grey = { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  // Each axis's real scale differs from `scale` by rounding.
  return { grey, scaleX: info.width / box.width, scaleY: info.height / box.height };
}
