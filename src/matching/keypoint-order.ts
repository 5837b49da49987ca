/**
 * Putting a detection's keypoints in order: ORB's strongest first, then a grid's round robin (features.ts). Every
 * view of every upload does this after each ORB detection, up to 5 000 keypoints at a time, so it runs on typed
 * arrays: a comparator sort of an index array and a subarray per copied descriptor cost about three times as much
 * for the same order (README, bench:query).
 */

/**
 * Indices of `responses` from the largest to the smallest; equal responses (-0 and +0 included) keep their
 * detection order, as a stable sort by `b - a` keeps them; a NaN (ORB gives none) comes last. An LSD radix sort, by
 * bytes, of the float's bits mapped to an unsigned key that descends as the response does.
 */
export function strongestFirst(responses: Float32Array): Uint32Array {
  const count = responses.length;
  const bits = new Uint32Array(responses.buffer, responses.byteOffset, count);
  let keys = new Uint32Array(count);
  let order = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const b = bits[i] === 0x80000000 ? 0 : bits[i];
    // A negative float's bits grow with its magnitude, a positive's too: flipping a positive's (sign bit kept clear)
    // puts the largest positive first, the smallest negative next and the largest negative last.
    keys[i] = (b & 0x7fffffff) > 0x7f800000 ? 0xffffffff : b & 0x80000000 ? b : ~b & 0x7fffffff;
    order[i] = i;
  }
  let keysOut = new Uint32Array(count);
  let orderOut = new Uint32Array(count);
  const starts = new Uint32Array(257);
  for (let shift = 0; shift < 32; shift += 8) {
    starts.fill(0);
    for (let i = 0; i < count; i++) starts[((keys[i] >>> shift) & 255) + 1]++;
    for (let byte = 0; byte < 256; byte++) starts[byte + 1] += starts[byte];
    for (let i = 0; i < count; i++) {
      const at = starts[(keys[i] >>> shift) & 255]++;
      keysOut[at] = keys[i];
      orderOut[at] = order[i];
    }
    [keys, keysOut, order, orderOut] = [keysOut, keys, orderOut, order];
  }
  return order;
}

/**
 * The keypoints (x, y pairs) and descriptors of the rows `order` names, in that order, in new arrays. A row's
 * descriptor width is what the arrays hold per keypoint.
 */
export function takeRows(
  points: Float32Array,
  descriptors: Uint8Array,
  order: ArrayLike<number>,
): { keypoints: Float32Array; descriptors: Uint8Array } {
  const n = order.length;
  const rowBytes = points.length ? descriptors.length / (points.length / 2) : 0;
  const keypoints = new Float32Array(n * 2);
  const taken = new Uint8Array(n * rowBytes);
  for (let j = 0; j < n; j++) {
    const i = order[j];
    keypoints[2 * j] = points[2 * i];
    keypoints[2 * j + 1] = points[2 * i + 1];
  }
  if (rowBytes % 4 === 0 && descriptors.byteOffset % 4 === 0) {
    // Copied in words (an ORB descriptor is 8): a quarter of the steps of a byte loop.
    const words = rowBytes / 4;
    const from = new Uint32Array(descriptors.buffer, descriptors.byteOffset, descriptors.byteLength / 4);
    const to = new Uint32Array(taken.buffer);
    for (let j = 0; j < n; j++) {
      for (let w = 0, a = order[j] * words, b = j * words; w < words; w++) to[b + w] = from[a + w];
    }
  } else {
    for (let j = 0; j < n; j++) taken.set(descriptors.subarray(order[j] * rowBytes, (order[j] + 1) * rowBytes), j * rowBytes);
  }
  return { keypoints, descriptors: taken };
}
