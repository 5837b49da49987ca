// The two integer passes of src/imaging/reduce.ts (an 8-bit image shrunk as libvips' reducev then reduceh shrink
// it), compiled: the same integer sums, so the same bytes (test/reduce-grey.test.ts holds both to sharp's). Where
// each output row and column samples, and with which weights, stays in the TypeScript, which passes them in.
#include "addon.h"
#include <cstdint>
#include <vector>

namespace {

// Fixed point of the weights (VIPS_INTERPOLATE_SHIFT), as WEIGHT_SHIFT in reduce.ts.
constexpr int kShift = 12;
constexpr int32_t kHalf = 1 << (kShift - 1);

inline uint8_t clip(int32_t v) { return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v); }

// Every tap must name a pixel of the image: the arrays come from JavaScript, and a stray index would read outside it.
bool tapsWithin(const int32_t* source, size_t count, uint32_t length) {
  for (size_t i = 0; i < count; i++)
    if (source[i] < 0 || static_cast<uint32_t>(source[i]) >= length) return false;
  return true;
}

// vips_reducev: each output row a weighted sum of `points` source rows, element by element. The tap loop is outside
// the element loop so that the latter vectorises; integer sums do not depend on the order.
void reduceRows(const uint8_t* pixels, size_t stride, size_t outHeight, uint32_t points, const int32_t* source, const int32_t* weight,
                uint8_t* out) {
  thread_local std::vector<int32_t> sums;
  sums.resize(stride);
  int32_t* const sum = sums.data();
  for (size_t y = 0; y < outHeight; y++) {
    for (size_t x = 0; x < stride; x++) sum[x] = kHalf;
    for (size_t t = y * points; t < (y + 1) * points; t++) {
      const int32_t c = weight[t];
      const uint8_t* row = pixels + static_cast<size_t>(source[t]) * stride;
      for (size_t x = 0; x < stride; x++) sum[x] += c * row[x];
    }
    uint8_t* q = out + y * stride;
    for (size_t x = 0; x < stride; x++) q[x] = clip(sum[x] >> kShift);
  }
}

// vips_reduceh: each output pixel a weighted sum of `points` source pixels of its row, band by band. Away from the
// edges an output's taps are consecutive pixels (the clamped ones repeat an edge pixel), read without the indices.
// `Points` is the mask's length when it is one of those of a shrink by at most 2 (7 to 13), so that the compiler
// unrolls the sums; 0 for any other length.
template <int Bands, uint32_t Points>
void reduceColumns(const uint8_t* pixels, size_t inWidth, size_t height, size_t outWidth, uint32_t n, const int32_t* source,
                   const int32_t* weight, uint8_t* out) {
  const uint32_t points = Points ? Points : n;
  for (size_t y = 0; y < height; y++) {
    const uint8_t* row = pixels + y * inWidth * Bands;
    uint8_t* q = out + y * outWidth * Bands;
    for (size_t x = 0; x < outWidth; x++) {
      const int32_t* src = source + x * points;
      const int32_t* w = weight + x * points;
      int32_t sum[Bands];
      for (int b = 0; b < Bands; b++) sum[b] = kHalf;
      if (static_cast<uint32_t>(src[points - 1] - src[0]) == points - 1) {
        const uint8_t* p = row + static_cast<size_t>(src[0]) * Bands;
        for (uint32_t t = 0; t < points; t++)
          for (int b = 0; b < Bands; b++) sum[b] += w[t] * p[t * Bands + b];
      } else {
        for (uint32_t t = 0; t < points; t++) {
          const uint8_t* p = row + static_cast<size_t>(src[t]) * Bands;
          for (int b = 0; b < Bands; b++) sum[b] += w[t] * p[b];
        }
      }
      for (int b = 0; b < Bands; b++) q[x * Bands + b] = clip(sum[b] >> kShift);
    }
  }
}

template <int Bands>
void reduceColumnsOf(const uint8_t* pixels, size_t inWidth, size_t height, size_t outWidth, uint32_t points, const int32_t* source,
                     const int32_t* weight, uint8_t* out) {
  switch (points) {
    case 7: return reduceColumns<Bands, 7>(pixels, inWidth, height, outWidth, points, source, weight, out);
    case 9: return reduceColumns<Bands, 9>(pixels, inWidth, height, outWidth, points, source, weight, out);
    case 11: return reduceColumns<Bands, 11>(pixels, inWidth, height, outWidth, points, source, weight, out);
    case 13: return reduceColumns<Bands, 13>(pixels, inWidth, height, outWidth, points, source, weight, out);
    default: return reduceColumns<Bands, 0>(pixels, inWidth, height, outWidth, points, source, weight, out);
  }
}

// reduce(pixels: Uint8Array, width, height, channels,
//        rowPoints, rowSource: Int32Array, rowWeight: Int32Array,
//        columnPoints, columnSource: Int32Array, columnWeight: Int32Array)
//   → Uint8Array of (columnSource.length / columnPoints) × (rowSource.length / rowPoints) × channels bytes
// A pass whose points are 0 (and its arrays empty) is skipped: that axis keeps its size. One pass at least is run.
napi_value Reduce(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  const uint8_t* pixels = nullptr;
  size_t length = 0;
  uint32_t w = 0, h = 0, channels = 0, rowPoints = 0, columnPoints = 0;
  const int32_t *rowSource = nullptr, *rowWeight = nullptr, *columnSource = nullptr, *columnWeight = nullptr;
  size_t rowTaps = 0, rowWeights = 0, columnTaps = 0, columnWeights = 0;
  if (!imprint::callArgs(env, info, 10, argv) || !imprint::bytesArg(env, argv[0], &pixels, &length) || napi_get_value_uint32(env, argv[1], &w) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &h) != napi_ok || napi_get_value_uint32(env, argv[3], &channels) != napi_ok ||
      napi_get_value_uint32(env, argv[4], &rowPoints) != napi_ok || !imprint::int32Arg(env, argv[5], &rowSource, &rowTaps) ||
      !imprint::int32Arg(env, argv[6], &rowWeight, &rowWeights) || napi_get_value_uint32(env, argv[7], &columnPoints) != napi_ok ||
      !imprint::int32Arg(env, argv[8], &columnSource, &columnTaps) || !imprint::int32Arg(env, argv[9], &columnWeight, &columnWeights)) {
    napi_throw_type_error(env, "reduce_native",
                          "reduce(pixels: Uint8Array, width, height, channels, rowPoints, rowSource, rowWeight, columnPoints, columnSource, columnWeight)");
    return nullptr;
  }
  const auto tapsFit = [](uint32_t points, size_t taps, size_t weights) { return points == 0 ? taps == 0 && weights == 0 : taps > 0 && taps % points == 0 && weights == taps; };
  if (w == 0 || h == 0 || (channels != 1 && channels != 3) || (rowPoints == 0 && columnPoints == 0) || length != static_cast<uint64_t>(w) * h * channels ||
      !tapsFit(rowPoints, rowTaps, rowWeights) || !tapsFit(columnPoints, columnTaps, columnWeights) || !tapsWithin(rowSource, rowTaps, h) ||
      !tapsWithin(columnSource, columnTaps, w)) {
    napi_throw_range_error(env, "reduce_native", "the image must be width × height × channels (1 or 3) bytes, with one pass at least and every tap within the image");
    return nullptr;
  }
  const size_t outHeight = rowPoints ? rowTaps / rowPoints : h, outWidth = columnPoints ? columnTaps / columnPoints : w;
  const size_t outBytes = outWidth * outHeight * channels;
  uint8_t* data = nullptr;
  const napi_value result = imprint::newBytes(env, outBytes, &data);
  if (!result) return nullptr;
  if (!columnPoints) {
    reduceRows(pixels, static_cast<size_t>(w) * channels, outHeight, rowPoints, rowSource, rowWeight, data);
  } else {
    // The vertical pass's rows, kept per thread between calls, then the horizontal pass from them.
    thread_local std::vector<uint8_t> vertical;
    const uint8_t* across = pixels;
    if (rowPoints) {
      vertical.resize(static_cast<size_t>(w) * channels * outHeight);
      reduceRows(pixels, static_cast<size_t>(w) * channels, outHeight, rowPoints, rowSource, rowWeight, vertical.data());
      across = vertical.data();
    }
    if (channels == 1)
      reduceColumnsOf<1>(across, w, outHeight, outWidth, columnPoints, columnSource, columnWeight, data);
    else
      reduceColumnsOf<3>(across, w, outHeight, outWidth, columnPoints, columnSource, columnWeight, data);
  }
  return result;
}

}  // namespace

namespace imprint {

bool RegisterReduce(napi_env env, napi_value exports) {
  return exportFunction(env, exports, "reduce", Reduce);
}

}  // namespace imprint
