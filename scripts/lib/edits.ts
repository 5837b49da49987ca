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
export type SingleFamily = (typeof SINGLE_FAMILIES)[number];
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
