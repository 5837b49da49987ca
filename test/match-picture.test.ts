import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { extractFeatures } from "../src/matching/features";
import { apply, reversedGeometry, toPixelGeometry, type Point } from "../src/matching/geometry";
import { createMemoryMatcher } from "../src/matching/memory-matcher";
import { outlineOf, renderMatchPicture } from "../src/reports/match-picture";
import { fixture } from "./helpers/service";

/** The building photo (868 × 600) and copies of a known region of it. */
describe("the match picture, drawn from the matcher's own geometry", () => {
  const original = fixture("building.jpg");
  const size = { width: 868, height: 600 };
  const crop = { left: 140, top: 50, width: 560, height: 440 };
  const matcher = createMemoryMatcher();

  beforeAll(async () => {
    matcher.add("building", await extractFeatures(original));
  });

  const searchFor = async (copy: Buffer) => {
    const query = await extractFeatures(copy, { mirrored: true });
    const [hit] = await matcher.search(query, { threshold: 85 });
    const meta = await sharp(copy).metadata();
    return { query, hit, querySize: { width: meta.width!, height: meta.height! } };
  };

  it.each([false, true])("maps a crop (mirrored: %s) onto the region it was cut from, with the matcher's inliers", async (mirror) => {
    let copy = sharp(original).extract(crop);
    if (mirror) copy = copy.flop();
    const bytes = await copy.resize(480).jpeg({ quality: 75 }).toBuffer();
    const { query, hit, querySize } = await searchFor(bytes);
    expect(hit.mirrored).toBe(mirror);
    const g = toPixelGeometry(hit.geometry!, querySize, size);
    expect(g.queryPoints.length).toBe(hit.inliers);
    // Ground truth: the copy's corners are the crop's corners (swapped left-right when mirrored).
    const { left, top, width, height } = crop;
    const expected: Point[] = mirror
      ? [[left + width, top], [left, top], [left, top + height], [left + width, top + height]]
      : [[left, top], [left + width, top], [left + width, top + height], [left, top + height]];
    outlineOf(g).forEach((p, i) => expect(Math.hypot(p[0] - expected[i][0], p[1] - expected[i][1])).toBeLessThan(8));
    // Every inlier pair agrees with the transform within the RANSAC tolerance (3.5 working px ≈ 6 px here).
    g.queryPoints.forEach((q, i) => {
      const [u, v] = apply(g.transform, q);
      expect(Math.hypot(u - g.originalPoints[i][0], v - g.originalPoints[i][1])).toBeLessThan(6.5);
    });

    const png = await renderMatchPicture({ query: bytes, original, geometry: g, height: 300 });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(info.height).toBe(300);
    expect(info.width).toBe(Math.round((300 * querySize.width) / querySize.height) + 16 + Math.round((300 * 868) / 600));
    // The outline's colour (#ff2d55) appears on the original's side only.
    const leftWidth = Math.round((300 * querySize.width) / querySize.height);
    let outlineLeft = 0, outlineRight = 0;
    for (let i = 0; i < data.length; i += info.channels) {
      if (data[i] > 230 && data[i + 1] < 80 && data[i + 2] > 60 && data[i + 2] < 120) ((i / info.channels) % info.width < leftWidth ? outlineLeft++ : outlineRight++);
    }
    expect(outlineRight).toBeGreaterThan(200);
    expect(outlineLeft).toBeLessThan(20);
  });

  it("turns a geometry round (a new original matched against an earlier copy): the copy becomes the query", async () => {
    const bytes = await sharp(original).extract(crop).resize(480).jpeg({ quality: 75 }).toBuffer();
    const { hit, querySize } = await searchFor(bytes);
    const g = toPixelGeometry(hit.geometry!, querySize, size);
    const r = reversedGeometry(g);
    expect(r.querySize).toEqual(size);
    expect(r.originalSize).toEqual(querySize);
    expect(r.queryPoints).toEqual(g.originalPoints);
    expect(r.originalPoints).toEqual(g.queryPoints);
    // Its transform now maps the original onto the copy, and its outline is the copy's frame inside the original.
    r.queryPoints.forEach((q, i) => {
      const [u, v] = apply(r.transform, q);
      expect(Math.hypot(u - r.originalPoints[i][0], v - r.originalPoints[i][1])).toBeLessThan(6.5 * (480 / crop.width));
    });
    const { left, top, width, height } = crop;
    const frame: Point[] = [[left, top], [left + width, top], [left + width, top + height], [left, top + height]];
    r.region.forEach((p, i) => expect(Math.hypot(p[0] - frame[i][0], p[1] - frame[i][1])).toBeLessThan(8));
    // Turned round twice, it is the same geometry.
    const back = reversedGeometry(r);
    back.transform.forEach((v, i) => expect(v).toBeCloseTo(g.transform[i], 6));
    // (toPixelGeometry rounds the outline to 0.01 px; the turned-round one is recomputed from the transform.)
    back.region.forEach((p, i) => p.forEach((v, j) => expect(v).toBeCloseTo(g.region[i][j], 1)));
  });

  it("draws a match without geometry (byte-identical, PDQ only) as the two pictures side by side, without lines", async () => {
    const copy = await sharp(original).resize(600).jpeg().toBuffer();
    const png = await renderMatchPicture({ query: copy, original, geometry: null, height: 300 });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(info.height).toBe(300);
    expect(info.width).toBe(2 * Math.round((300 * 868) / 600) + 16);
    let outline = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i] > 230 && data[i + 1] < 80 && data[i + 2] > 60 && data[i + 2] < 120) outline++;
    expect(outline).toBeLessThan(20);
  });
});
