import sharp from "sharp";

interface Grey {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * A rectangle of a grey image cropped and enlarged by sharp, as the region proposals were calibrated with (and as
 * src/imaging/enlarge-grey.ts must reproduce).
 */
export async function sharpEnlarged(image: Grey, rect: { left: number; top: number; width: number; height: number }, side: number): Promise<Grey> {
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 1 } })
    .extract(rect)
    .resize(side, side, { fit: "inside", kernel: "lanczos3" })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}
