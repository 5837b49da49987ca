/**
 * Seeded generator of edited copies (the evasions sellers see): crop, rotate, mirror, brightness,
 * contrast, saturation/hue, resize, JPEG recompression, text watermark, semi-transparent logo, and
 * pairs of two. Same seed → same edits. Used by the robustness benchmark and the matching tests.
 */
import sharp from "sharp";
import { mulberry32 } from "../../src/matching/ransac";

export const SINGLE_FAMILIES = [
  "crop",
  "rotate",
  "mirror",
  "brightness",
  "contrast",
  "saturation-hue",
  "resize",
  "jpeg",
  "text",
  "logo",
] as const;
/**
 * What copiers also do (issue 13): any orientation, perspective and aspect, and the photo placed inside a larger
 * picture at 20–60 % of its width or height. Planned apart from SINGLE_FAMILIES (planCopyEdits) so that the
 * original families keep drawing the same edits from the same seed.
 */
export const PLACEMENT_FAMILIES = [
  "rotate30",
  "rotate90",
  "rotate180",
  "flip",
  "perspective",
  "aspect",
  "collage",
  "screenshot",
  "banner",
] as const;
export type PlacementFamily = (typeof PLACEMENT_FAMILIES)[number];
export type SingleFamily = (typeof SINGLE_FAMILIES)[number] | PlacementFamily;
export type Family = SingleFamily | "combo";

export interface Raw {
  data: Buffer;
  width: number;
  height: number;
}

export interface EditStep {
  family: SingleFamily;
  /** Human-readable parameters, e.g. "angle=-12.3 fill=crop". */
  params: string;
  apply: (img: Raw) => Promise<Raw>;
  /** JPEG quality for the final encode (only the jpeg family lowers it). */
  quality?: number;
}

export interface Edit {
  family: Family;
  label: string;
  steps: EditStep[];
}

type Rand = () => number;
const between = (r: Rand, a: number, b: number) => a + (b - a) * r();
const sign = (r: Rand) => (r() < 0.5 ? -1 : 1);

async function toRaw(s: ReturnType<typeof sharp>): Promise<Raw> {
  const { data, info } = await s.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
const load = (img: Raw) => sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });

/** One step of `family`; `strength` ∈ [0, 1] picks within the family's range (0 = mild, 1 = hardest). */
export function makeStep(family: SingleFamily, r: Rand, strength: number): EditStep {
  const lerp = (a: number, b: number) => a + (b - a) * Math.min(1, Math.max(0, strength + between(r, -0.15, 0.15)));
  switch (family) {
    case "rotate30": {
      const angle = sign(r) * lerp(25, 35);
      const bg = r() < 0.5 ? { r: 255, g: 255, b: 255 } : { r: 0, g: 0, b: 0 };
      return { family, params: `angle=${angle.toFixed(1)} grown canvas`, apply: async (img) => toRaw(load(img).rotate(angle, { background: bg })) };
    }
    case "rotate90": {
      const angle = r() < 0.5 ? 90 : 270;
      return { family, params: `angle=${angle}`, apply: async (img) => toRaw(load(img).rotate(angle)) };
    }
    case "rotate180":
      return { family, params: "angle=180", apply: async (img) => toRaw(load(img).rotate(180)) };
    case "flip":
      return { family, params: "upside down (vertical flip)", apply: async (img) => toRaw(load(img).flip()) };
    case "perspective": {
      const amount = lerp(0.03, 0.08);
      const corners = Array.from({ length: 8 }, () => between(r, -amount, amount));
      return { family, params: `corners moved ≤ ${(amount * 100).toFixed(0)}%`, apply: async (img) => perspective(img, corners) };
    }
    case "aspect": {
      const f = lerp(1.1, 1.3), wide = r() < 0.5;
      return {
        family, params: `${wide ? "width" : "height"} x${f.toFixed(2)}`,
        apply: async (img) => toRaw(load(img).resize(Math.round(img.width * (wide ? f : 1)), Math.round(img.height * (wide ? 1 : f)), { fit: "fill" })),
      };
    }
    case "collage":
    case "screenshot":
    case "banner": {
      // The copy covers `share` of the picture's width or height: 60 % when mild, 20 % at the hardest.
      const share = lerp(0.6, 0.2);
      return { family, params: `share=${(share * 100).toFixed(0)}%`, apply: async (img) => placeInside(family, img, share, mulberry32(Math.floor(r() * 2 ** 31))) };
    }
    case "crop": {
      const removed = lerp(0.05, 0.25);
      const keep = 1 - removed;
      const fw = Math.sqrt(keep) * between(r, 0.9, 1.1);
      const kw = Math.min(1, Math.max(keep, fw));
      const kh = keep / kw;
      const px = r(), py = r();
      return {
        family, params: `removed=${(removed * 100).toFixed(0)}% at=${px.toFixed(2)},${py.toFixed(2)}`,
        apply: async (img) => {
          const w = Math.max(8, Math.round(img.width * kw)), h = Math.max(8, Math.round(img.height * kh));
          const left = Math.round((img.width - w) * px), top = Math.round((img.height - h) * py);
          return toRaw(load(img).extract({ left, top, width: w, height: h }));
        },
      };
    }
    case "rotate": {
      const angle = sign(r) * lerp(2, 15);
      const fill = r() < 0.5 ? "crop" : "background";
      const bg = r() < 0.5 ? { r: 255, g: 255, b: 255 } : { r: 0, g: 0, b: 0 };
      return {
        family, params: `angle=${angle.toFixed(1)} fill=${fill}`,
        apply: async (img) => {
          const rotated = await toRaw(load(img).rotate(angle, { background: bg }));
          if (fill === "background") return rotated;
          const t = (Math.abs(angle) * Math.PI) / 180, c = Math.cos(t), s = Math.sin(t);
          const { width: w, height: h } = img;
          const k = Math.min(w / (w * c + h * s), h / (w * s + h * c));
          const cw = Math.floor(w * k), ch = Math.floor(h * k);
          return toRaw(load(rotated).extract({
            left: Math.floor((rotated.width - cw) / 2), top: Math.floor((rotated.height - ch) / 2), width: cw, height: ch,
          }));
        },
      };
    }
    case "mirror":
      return { family, params: "flop", apply: async (img) => toRaw(load(img).flop()) };
    case "brightness": {
      const f = 1 + sign(r) * lerp(0.05, 0.2);
      return { family, params: `x${f.toFixed(2)}`, apply: async (img) => toRaw(load(img).modulate({ brightness: f })) };
    }
    case "contrast": {
      const a = 1 + sign(r) * lerp(0.05, 0.2);
      return { family, params: `x${a.toFixed(2)}`, apply: async (img) => toRaw(load(img).linear(a, 128 * (1 - a))) };
    }
    case "saturation-hue": {
      const sat = 1 + sign(r) * lerp(0.1, 0.5);
      const hue = Math.round(sign(r) * lerp(5, 40));
      return {
        family, params: `sat=${sat.toFixed(2)} hue=${hue}`,
        apply: async (img) => toRaw(load(img).modulate({ saturation: sat, hue })),
      };
    }
    case "resize": {
      const f = lerp(0.7, 0.3);
      return {
        family, params: `x${f.toFixed(2)}`,
        apply: async (img) =>
          toRaw(load(img).resize(Math.max(8, Math.round(img.width * f)), Math.max(8, Math.round(img.height * f)))),
      };
    }
    case "jpeg": {
      const q = Math.round(lerp(70, 40));
      return { family, params: `q${q}`, quality: q, apply: async (img) => img };
    }
    case "text": {
      const text = ["© StockPhotos 2026", "SAMPLE", "shop.example.com", "@bestdeals_store", "DO NOT COPY"][Math.floor(r() * 5)];
      const sizeFrac = lerp(0.06, 0.12), px = r(), py = r(), opacity = between(r, 0.5, 0.9);
      const colour = r() < 0.5 ? "white" : "black";
      return {
        family, params: `"${text}" size=${(sizeFrac * 100).toFixed(0)}% op=${opacity.toFixed(2)}`,
        apply: async (img) => {
          const fs = Math.max(8, Math.round(Math.min(img.width, img.height) * sizeFrac));
          const tw = Math.min(img.width, Math.round(fs * 0.6 * text.length));
          const x = Math.round((img.width - tw) * px), y = Math.round(fs + (img.height - fs * 1.3) * py);
          const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${img.width}" height="${img.height}">` +
            `<text x="${x}" y="${y}" font-family="DejaVu Sans" font-weight="bold" font-size="${fs}" fill="${colour}" ` +
            `fill-opacity="${opacity.toFixed(2)}" stroke="${colour === "white" ? "black" : "white"}" stroke-opacity="${(opacity / 2).toFixed(2)}">${text}</text></svg>`;
          return toRaw(load(img).composite([{ input: Buffer.from(svg), top: 0, left: 0 }]));
        },
      };
    }
    case "logo": {
      const area = lerp(0.05, 0.2), opacity = lerp(0.4, 0.7), px = r(), py = r();
      const hue = Math.floor(r() * 360), round = r() < 0.5;
      return {
        family, params: `area=${(area * 100).toFixed(0)}% op=${opacity.toFixed(2)}`,
        apply: async (img) => {
          const side = Math.sqrt(area * img.width * img.height);
          const lw = Math.min(img.width, Math.round(side * 1.4)), lh = Math.min(img.height, Math.round((area * img.width * img.height) / Math.min(img.width, side * 1.4)));
          const x = Math.round((img.width - lw) * px), y = Math.round((img.height - lh) * py);
          const fs = Math.max(6, Math.round(lh * 0.28));
          const shape = round
            ? `<ellipse cx="${lw / 2}" cy="${lh / 2}" rx="${lw / 2}" ry="${lh / 2}" fill="hsl(${hue},70%,45%)"/>`
            : `<rect width="${lw}" height="${lh}" rx="${Math.round(lh / 6)}" fill="hsl(${hue},70%,45%)"/>`;
          const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${lw}" height="${lh}"><g opacity="${opacity.toFixed(2)}">${shape}` +
            `<text x="${lw / 2}" y="${lh / 2 + fs / 3}" text-anchor="middle" font-family="DejaVu Sans" font-weight="bold" font-size="${fs}" fill="white">BRAND</text></g></svg>`;
          return toRaw(load(img).composite([{ input: Buffer.from(svg), top: y, left: x }]));
        },
      };
    }
  }
}

/**
 * The edits of one image: every single family at `strengths` (default mild 0.25 and hard 1), plus
 * `combos` random pairs of two different families at strength 0.6. Deterministic in `seed`.
 */
export function planEdits(seed: number, strengths: number[] = [0.25, 1], combos = 4): Edit[] {
  const r = mulberry32(seed);
  const edits: Edit[] = [];
  for (const family of SINGLE_FAMILIES) {
    for (const s of strengths) {
      if (family === "mirror" && s !== strengths[0]) continue; // mirror has no strength
      const step = makeStep(family, r, s);
      edits.push({ family, label: `${family}(${step.params})`, steps: [step] });
    }
  }
  for (let c = 0; c < combos; c++) {
    const i = Math.floor(r() * SINGLE_FAMILIES.length);
    let j = Math.floor(r() * (SINGLE_FAMILIES.length - 1));
    if (j >= i) j++;
    const steps = [makeStep(SINGLE_FAMILIES[i], r, 0.6), makeStep(SINGLE_FAMILIES[j], r, 0.6)];
    edits.push({ family: "combo", label: steps.map((s) => `${s.family}(${s.params})`).join(" + "), steps });
  }
  return edits;
}

/**
 * The edits of one image that place, turn or distort it (PLACEMENT_FAMILIES) at `strengths`; orientations without
 * a strength are made once. Deterministic in `seed`, and drawn from a stream of their own.
 */
export function planCopyEdits(seed: number, strengths: number[] = [0.25, 1]): Edit[] {
  const r = mulberry32(seed ^ 0x5bd1e995);
  const edits: Edit[] = [];
  for (const family of PLACEMENT_FAMILIES) {
    for (const s of strengths) {
      if ((family === "rotate180" || family === "flip") && s !== strengths[0]) continue;
      const step = makeStep(family, r, s);
      edits.push({ family, label: `${family}(${step.params})`, steps: [step] });
    }
  }
  return edits;
}

/** Moves the four corners by fractions of the size (x0, y0, … for TL, TR, BR, BL) and resamples (bilinear). */
function perspective(img: Raw, moves: number[]): Raw {
  const { width: w, height: h, data } = img;
  const dst: [number, number][] = [[0, 0], [w, 0], [w, h], [0, h]].map(([x, y], k) => [x + moves[2 * k] * w, y + moves[2 * k + 1] * h]);
  // Output → input homography: from the moved corners back to the image's own corners.
  const H = homography(dst, [[0, 0], [w, 0], [w, h], [0, h]]);
  const out = Buffer.alloc(w * h * 3, 255);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const z = H[6] * x + H[7] * y + 1;
      const u = (H[0] * x + H[1] * y + H[2]) / z, v = (H[3] * x + H[4] * y + H[5]) / z;
      if (u < 0 || v < 0 || u > w - 1 || v > h - 1) continue;
      const x0 = Math.floor(u), y0 = Math.floor(v), fx = u - x0, fy = v - y0;
      const x1 = Math.min(w - 1, x0 + 1), y1 = Math.min(h - 1, y0 + 1);
      for (let c = 0; c < 3; c++) {
        const p = (xx: number, yy: number) => data[(yy * w + xx) * 3 + c];
        out[(y * w + x) * 3 + c] = Math.round((p(x0, y0) * (1 - fx) + p(x1, y0) * fx) * (1 - fy) + (p(x0, y1) * (1 - fx) + p(x1, y1) * fx) * fy);
      }
    }
  }
  return { data: out, width: w, height: h };
}

/** The 8 parameters (h33 = 1) of the homography taking each `from` point to its `to` point. */
function homography(from: [number, number][], to: [number, number][]): number[] {
  const A: number[][] = [];
  from.forEach(([x, y], k) => {
    const [u, v] = to[k];
    A.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    A.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  });
  // Gauss–Jordan with partial pivoting on the 8×9 augmented system.
  for (let c = 0; c < 8; c++) {
    let p = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    [A[c], A[p]] = [A[p], A[c]];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = A[r][c] / A[c][c];
      for (let k = c; k < 9; k++) A[r][k] -= f * A[c][k];
    }
  }
  return A.map((row, i) => row[8] / row[i]);
}

const escapeXml = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** Random "other content": product cards with shapes, prices and names, as a marketplace page or collage has. */
function otherContent(r: Rand, x: number, y: number, w: number, h: number): string {
  const names = ["Trail runner", "Ceramic mug", "Desk lamp", "Wool scarf", "Phone case", "Garden chair", "Tea kettle"];
  const hue = Math.floor(r() * 360);
  const fs = Math.max(8, Math.round(Math.min(w, h) * 0.09));
  const shapes: string[] = [];
  for (let k = 0; k < 6; k++) {
    const sx = x + r() * w * 0.8, sy = y + r() * h * 0.6, s = Math.min(w, h) * between(r, 0.08, 0.3);
    shapes.push(r() < 0.5
      ? `<circle cx="${sx.toFixed(0)}" cy="${sy.toFixed(0)}" r="${(s / 2).toFixed(0)}" fill="hsl(${Math.floor(r() * 360)},60%,${Math.floor(between(r, 30, 70))}%)"/>`
      : `<rect x="${sx.toFixed(0)}" y="${sy.toFixed(0)}" width="${s.toFixed(0)}" height="${(s * between(r, 0.5, 1.5)).toFixed(0)}" rx="${(s / 8).toFixed(0)}" fill="hsl(${Math.floor(r() * 360)},55%,${Math.floor(between(r, 30, 70))}%)"/>`);
  }
  return `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="hsl(${hue},30%,90%)"/>${shapes.join("")}` +
    `<text x="${x + w * 0.05}" y="${y + h * 0.82}" font-family="DejaVu Sans" font-size="${fs}" fill="#222">${escapeXml(names[Math.floor(r() * names.length)])}</text>` +
    `<text x="${x + w * 0.05}" y="${y + h * 0.82 + fs * 1.2}" font-family="DejaVu Sans" font-weight="bold" font-size="${fs}" fill="#c00">€${(between(r, 5, 200)).toFixed(2)}</text>`;
}

/**
 * The photo inside a larger picture, covering `share` of its width or height: a collage of several products on a
 * grid, a screenshot of a shop page (bars, side panel, text), or a wide banner with a slogan.
 */
async function placeInside(kind: "collage" | "screenshot" | "banner", img: Raw, share: number, r: Rand): Promise<Raw> {
  const aspect = img.width / img.height;
  let W: number, H: number, pw: number, left: number, top: number;
  const parts: string[] = [];
  if (kind === "banner") {
    // Wide strip; the photo spans most of its height, so it covers `share` of the width.
    W = 1400; pw = Math.round(W * share); const ph = Math.round(pw / aspect);
    H = Math.max(ph + 40, Math.round(W / 4));
    left = Math.round(between(r, 0.02, 0.98 - share) * W); top = Math.round((H - ph) / 2);
    const hue = Math.floor(r() * 360);
    parts.push(`<defs><linearGradient id="g"><stop offset="0" stop-color="hsl(${hue},70%,40%)"/><stop offset="1" stop-color="hsl(${(hue + 60) % 360},70%,60%)"/></linearGradient></defs>`,
      `<rect width="${W}" height="${H}" fill="url(#g)"/>`);
    const textX = left > W / 2 ? 30 : left + pw + 30;
    parts.push(`<text x="${textX}" y="${H * 0.45}" font-family="DejaVu Sans" font-weight="bold" font-size="${Math.round(H * 0.16)}" fill="white">SUMMER SALE -40%</text>`,
      `<text x="${textX}" y="${H * 0.7}" font-family="DejaVu Sans" font-size="${Math.round(H * 0.09)}" fill="white">Free shipping on every order</text>`);
  } else if (kind === "screenshot") {
    W = 1280; H = 800; pw = Math.round(W * share); const ph = Math.round(pw / aspect);
    H = Math.max(H, ph + 200);
    left = Math.round(Math.min(W - pw - 10, 240 + r() * Math.max(0, W - 250 - pw))); top = 110 + Math.round(r() * Math.max(0, H - 130 - ph));
    parts.push(`<rect width="${W}" height="${H}" fill="white"/>`, `<rect width="${W}" height="36" fill="#333"/>`,
      `<rect y="36" width="${W}" height="50" fill="#f3f3f3"/>`, `<rect x="200" y="46" width="${W - 400}" height="30" rx="15" fill="white" stroke="#bbb"/>`,
      `<text x="220" y="67" font-family="DejaVu Sans" font-size="15" fill="#555">https://shop.example.com/item/${Math.floor(r() * 1e6)}</text>`,
      `<rect y="86" width="220" height="${H - 86}" fill="#fafafa"/>`);
    for (let k = 0; k < 12; k++) parts.push(`<text x="20" y="${120 + k * 30}" font-family="DejaVu Sans" font-size="15" fill="#444">Category ${k + 1}</text>`);
    const textX = left + pw + 30;
    if (textX < W - 200) for (let k = 0; k < 8; k++) parts.push(`<text x="${textX}" y="${top + 30 + k * 28}" font-family="DejaVu Sans" font-size="${k === 0 ? 24 : 15}" fill="#222">${k === 0 ? "Product title" : "Lorem ipsum dolor sit amet " + k}</text>`);
  } else {
    // A grid of cards; the photo fills one of them, the others hold other products.
    const cols = share > 0.45 ? 2 : share > 0.3 ? 3 : 4;
    pw = Math.round(1200 * share); const ph = Math.round(pw / aspect);
    const cell = Math.round(1200 / cols);
    const rows = Math.max(2, Math.ceil(ph / cell) + 1);
    W = 1200; H = Math.max(rows * cell, ph + 20);
    const at = Math.floor(r() * cols);
    left = Math.min(W - pw, at * cell + Math.round((cell - Math.min(cell, pw)) / 2)); top = Math.round(r() * (H - ph));
    parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
    for (let cy = 0; cy < Math.ceil(H / cell); cy++) for (let cx = 0; cx < cols; cx++) parts.push(otherContent(r, cx * cell + 6, cy * cell + 6, cell - 12, cell - 12));
  }
  const ph = Math.round(pw / aspect);
  const photo = await load(img).resize(pw, ph, { fit: "fill" }).png({ compressionLevel: 0 }).toBuffer();
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join("")}</svg>`;
  return toRaw(sharp(Buffer.from(svg)).composite([{ input: photo, left: Math.max(0, left), top: Math.max(0, top) }]));
}

/** Decode (EXIF-oriented) to raw RGB once; apply many edits to the result. */
export async function decodeRgb(bytes: Buffer): Promise<Raw> {
  return toRaw(sharp(bytes).rotate());
}

/** Apply an edit and encode as JPEG (q90 unless the edit recompresses harder). */
export async function applyEdit(src: Raw, edit: Edit): Promise<Buffer> {
  let img = src;
  let quality = 90;
  for (const step of edit.steps) {
    img = await step.apply(img);
    if (step.quality !== undefined) quality = Math.min(quality, step.quality);
  }
  return load(img).jpeg({ quality }).toBuffer();
}
