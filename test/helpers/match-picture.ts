import sharp from "sharp";

/**
 * What a match picture shows, from its pixels: its format and size, and how many pixels carry the outline's colour
 * (#ff2d55) and the first line colour (#00a6ed): both are drawn only from a geometry.
 */
export async function matchPictureInk(png: Buffer) {
  const { format } = await sharp(png).metadata();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let outline = 0, lines = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
    if (r > 230 && g < 80 && b > 60 && b < 120) outline++;
    if (r < 60 && g > 130 && g < 200 && b > 200) lines++;
  }
  return { format, width: info.width, height: info.height, bytes: png.length, outline, lines };
}
