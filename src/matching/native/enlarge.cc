// The two integer passes of src/imaging/enlarge-grey.ts (a rectangle of a grey image enlarged as libvips enlarges
// it), compiled: the same sums in the same order, so the same bytes (test/enlarge-grey.test.ts holds both to sharp's).
// Where each output column and row samples, and with which weights, stays in the TypeScript, which passes them in.
#include "addon.h"
#include <cstdint>
#include <vector>

namespace {

// Fixed point of the weights (VIPS_INTERPOLATE_SHIFT), as WEIGHT_SHIFT in enlarge-grey.ts.
constexpr int kShift = 12;
constexpr int32_t kHalf = 1 << (kShift - 1);

// Every tap must name a pixel of the rectangle: the arrays come from JavaScript, and a stray index would read
// outside the image.
bool tapsWithin(const int32_t* source, size_t count, uint32_t length) {
  for (size_t i = 0; i < count; i++)
    if (source[i] < 0 || static_cast<uint32_t>(source[i]) >= length) return false;
  return true;
}

// enlarge(grey: Uint8Array, imageWidth, left, top, width, height,
//         columnSource: Int32Array, columnWeight: Int32Array, rowSource: Int32Array, rowWeight: Int32Array)
//   → Uint8Array of (columnSource.length / 4) × (rowSource.length / 4) pixels
// Sources are 4 taps per output column (row), as pixel offsets within the rectangle; weights the matching 4.
napi_value Enlarge(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  const uint8_t* pixels = nullptr;
  size_t length = 0;
  uint32_t imageWidth = 0, left = 0, top = 0, w = 0, h = 0;
  const int32_t *columnSource = nullptr, *columnWeight = nullptr, *rowSource = nullptr, *rowWeight = nullptr;
  size_t columnTaps = 0, columnWeights = 0, rowTaps = 0, rowWeights = 0;
  if (!imprint::callArgs(env, info, 10, argv) || !imprint::bytesArg(env, argv[0], &pixels, &length) || napi_get_value_uint32(env, argv[1], &imageWidth) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &left) != napi_ok || napi_get_value_uint32(env, argv[3], &top) != napi_ok ||
      napi_get_value_uint32(env, argv[4], &w) != napi_ok || napi_get_value_uint32(env, argv[5], &h) != napi_ok ||
      !imprint::int32Arg(env, argv[6], &columnSource, &columnTaps) || !imprint::int32Arg(env, argv[7], &columnWeight, &columnWeights) ||
      !imprint::int32Arg(env, argv[8], &rowSource, &rowTaps) || !imprint::int32Arg(env, argv[9], &rowWeight, &rowWeights)) {
    napi_throw_type_error(env, "enlarge_native",
                          "enlarge(grey: Uint8Array, imageWidth, left, top, width, height, columnSource, columnWeight, rowSource, rowWeight: Int32Array)");
    return nullptr;
  }
  const uint64_t rows = imageWidth ? length / imageWidth : 0;
  if (w == 0 || h == 0 || imageWidth == 0 || length % imageWidth != 0 || static_cast<uint64_t>(left) + w > imageWidth ||
      static_cast<uint64_t>(top) + h > rows || columnTaps == 0 || columnTaps % 4 != 0 || columnWeights != columnTaps || rowTaps == 0 ||
      rowTaps % 4 != 0 || rowWeights != rowTaps || !tapsWithin(columnSource, columnTaps, w) || !tapsWithin(rowSource, rowTaps, h)) {
    napi_throw_range_error(env, "enlarge_native", "the rectangle and every tap must lie within the image");
    return nullptr;
  }
  const size_t outWidth = columnTaps / 4, outHeight = rowTaps / 4;
  // The horizontal pass of every source row of the rectangle, rounded between the passes as libvips rounds it. Kept
  // per thread between calls: a window's is ~0.5 MB, a fresh allocation of which is fresh pages to fault in.
  thread_local std::vector<int32_t> across;
  if (across.size() < static_cast<size_t>(h) * outWidth) across.resize(static_cast<size_t>(h) * outWidth);
  for (size_t y = 0; y < h; y++) {
    const uint8_t* row = pixels + (top + y) * static_cast<size_t>(imageWidth) + left;
    int32_t* out = across.data() + y * outWidth;
    for (size_t x = 0, t = 0; x < outWidth; x++, t += 4) {
      const int32_t sum = columnWeight[t] * row[columnSource[t]] + columnWeight[t + 1] * row[columnSource[t + 1]] +
                          columnWeight[t + 2] * row[columnSource[t + 2]] + columnWeight[t + 3] * row[columnSource[t + 3]];
      out[x] = (sum + kHalf) >> kShift;
    }
  }
  uint8_t* data = nullptr;
  const napi_value result = imprint::newBytes(env, outWidth * outHeight, &data);
  if (!result) return nullptr;
  for (size_t y = 0; y < outHeight; y++) {
    const size_t t = 4 * y;
    const int32_t* r0 = across.data() + rowSource[t] * outWidth;
    const int32_t* r1 = across.data() + rowSource[t + 1] * outWidth;
    const int32_t* r2 = across.data() + rowSource[t + 2] * outWidth;
    const int32_t* r3 = across.data() + rowSource[t + 3] * outWidth;
    const int32_t c0 = rowWeight[t], c1 = rowWeight[t + 1], c2 = rowWeight[t + 2], c3 = rowWeight[t + 3];
    uint8_t* out = data + y * outWidth;
    for (size_t x = 0; x < outWidth; x++) {
      const int32_t v = (c0 * r0[x] + c1 * r1[x] + c2 * r2[x] + c3 * r3[x] + kHalf) >> kShift;
      out[x] = static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
    }
  }
  return result;
}

}  // namespace

namespace imprint {

bool RegisterEnlarge(napi_env env, napi_value exports) {
  return exportFunction(env, exports, "enlarge", Enlarge);
}

}  // namespace imprint
