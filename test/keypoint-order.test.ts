import { describe, expect, it } from "vitest";
import { strongestFirst, takeRows } from "../src/matching/keypoint-order";
import { mulberry32 } from "../src/matching/ransac";

/** The order features.ts used before: a stable sort of the indices by `b - a`. */
const comparatorOrder = (responses: Float32Array) =>
  Array.from({ length: responses.length }, (_, i) => i).sort((a, b) => responses[b] - responses[a]);

describe("keypoints strongest first", () => {
  it("orders as a stable sort by response does: ties in detection order, negatives, zeros of both signs, infinities", () => {
    const responses = new Float32Array([0.5, -0.25, 0, -0, 0.5, Infinity, -Infinity, 1e-30, -1e-30, 0.5, 3, -0, 0]);
    expect([...strongestFirst(responses)]).toEqual(comparatorOrder(responses));
  });

  it("orders thousands of ORB-like responses, many of them equal, exactly as the comparator sort", () => {
    const random = mulberry32(13);
    for (const count of [0, 1, 2, 999, 5000]) {
      // Harris responses of FAST corners: small positive floats, with repeats (quantised) and a few negatives.
      const responses = Float32Array.from({ length: count }, () => Math.round((random() - 0.05) * 400) / 1e5);
      expect([...strongestFirst(responses)]).toEqual(comparatorOrder(responses));
    }
  });

  it("puts a NaN last, where a comparator sort's order would be undefined", () => {
    const order = strongestFirst(new Float32Array([1, NaN, 2, -1]));
    expect([...order]).toEqual([2, 0, 3, 1]);
  });

  it("reads a response array that is a view into a larger buffer", () => {
    const whole = new Float32Array([9, 1, 3, 2, 9]);
    expect([...strongestFirst(whole.subarray(1, 4))]).toEqual([1, 2, 0]);
  });
});

describe("taking keypoint rows", () => {
  const points = Float32Array.from({ length: 10 }, (_, i) => i + 0.5);
  const bytes = Uint8Array.from({ length: 5 * 32 }, (_, i) => (i * 7) & 255);
  const expected = (descriptors: Uint8Array, order: number[]) => ({
    keypoints: Float32Array.from(order.flatMap((i) => [points[2 * i], points[2 * i + 1]])),
    descriptors: Uint8Array.from(order.flatMap((i) => [...descriptors.subarray(i * 32, (i + 1) * 32)])),
  });

  it("copies the rows in the order given, as many as it names", () => {
    expect(takeRows(points, bytes, [3, 0, 4])).toEqual(expected(bytes, [3, 0, 4]));
    expect(takeRows(points, bytes, [2])).toEqual(expected(bytes, [2]));
    expect(takeRows(new Float32Array(0), new Uint8Array(0), [])).toEqual({ keypoints: new Float32Array(0), descriptors: new Uint8Array(0) });
  });

  it("copies descriptors that do not start on a word boundary of their buffer", () => {
    const padded = new Uint8Array(1 + bytes.length);
    padded.set(bytes, 1);
    const unaligned = padded.subarray(1);
    expect(takeRows(points, unaligned, [1, 4, 2])).toEqual(expected(bytes, [1, 4, 2]));
  });
});
