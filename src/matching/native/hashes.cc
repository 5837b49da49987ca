// The per-pixel work of src/core's PDQ and pHash, compiled: the luma of RGB pixels (pdq.ts lumaFromRgb), PDQ's
// box filters, decimation, quality and low-frequency DCT (pdq.ts pdqFromLuma) and pHash's 32×32 area average
// (phash.ts grey32FromLuma). Every value is computed as the TypeScript computes it: each arithmetic step in double
// precision (JavaScript's numbers), in the same order, rounded to float where the TypeScript stores into a
// Float32Array (no fused multiply-add: binding.gyp's -ffp-contract=off), and the DCT basis is the TypeScript's own,
// passed in. So the hashes are the same bits (test/hash-kernels.test.ts holds them to it), and a hash stored by the
// service is the one the open verifier and the browser compute.
#include "addon.h"
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace {

constexpr int kPdqMinHashableDim = 5;
constexpr int kPdqDctRows = 16;
constexpr int kPdqSide = 64;

// pdq.ts box1D: a centred running mean with shrinking windows at the edges, along `length` values `stride` apart.
void box1D(const float* in, float* out, size_t start, int length, size_t stride, int window) {
  const int half = (window + 2) >> 1;
  const int phase1 = half - 1, phase2 = window - half + 1, phase3 = length - window, phase4 = half - 1;
  size_t li = start, ri = start, oi = start;
  double sum = 0;
  int count = 0;
  for (int i = 0; i < phase1; i++, ri += stride) {
    sum += in[ri];
    count++;
  }
  for (int i = 0; i < phase2; i++, ri += stride, oi += stride) {
    sum += in[ri];
    count++;
    out[oi] = static_cast<float>(sum / count);
  }
  for (int i = 0; i < phase3; i++, li += stride, ri += stride, oi += stride) {
    sum += static_cast<double>(in[ri]) - static_cast<double>(in[li]);
    out[oi] = static_cast<float>(sum / count);
  }
  for (int i = 0; i < phase4; i++, li += stride, oi += stride) {
    sum -= in[li];
    count--;
    out[oi] = static_cast<float>(sum / count);
  }
}

// pdq.ts boxAlongColumns: box1D down every column at once, one running sum per column.
void boxAlongColumns(const float* in, float* out, size_t width, int height, int window, std::vector<double>& sums) {
  sums.assign(width, 0.0);
  const int half = (window + 2) >> 1;
  const int phase1 = half - 1, phase2 = window - half + 1, phase3 = height - window, phase4 = half - 1;
  size_t li = 0, ri = 0, oi = 0;
  int count = 0;
  for (int i = 0; i < phase1; i++, ri += width) {
    for (size_t j = 0; j < width; j++) sums[j] += in[ri + j];
    count++;
  }
  for (int i = 0; i < phase2; i++, ri += width, oi += width) {
    count++;
    for (size_t j = 0; j < width; j++) out[oi + j] = static_cast<float>((sums[j] += in[ri + j]) / count);
  }
  for (int i = 0; i < phase3; i++, ri += width, li += width, oi += width) {
    for (size_t j = 0; j < width; j++) out[oi + j] = static_cast<float>((sums[j] += static_cast<double>(in[ri + j]) - static_cast<double>(in[li + j])) / count);
  }
  for (int i = 0; i < phase4; i++, li += width, oi += width) {
    count--;
    for (size_t j = 0; j < width; j++) out[oi + j] = static_cast<float>((sums[j] -= in[li + j]) / count);
  }
}

// pdq.ts jaroszWindowSize.
int jaroszWindowSize(int oldDimension, int newDimension) { return (oldDimension + 2 * newDimension - 1) / (2 * newDimension); }

// pdq.ts qualityOf64: the sum of quantised gradients / 90, capped at 100.
int qualityOf64(const float* b) {
  int64_t gradientSum = 0;
  const auto step = [](float from, float to) { return static_cast<int64_t>(std::fabs(std::trunc(((static_cast<double>(from) - static_cast<double>(to)) * 100) / 255))); };
  for (int i = 0; i < 63; i++)
    for (int j = 0; j < 64; j++) gradientSum += step(b[i * 64 + j], b[(i + 1) * 64 + j]);
  for (int i = 0; i < 64; i++)
    for (int j = 0; j < 63; j++) gradientSum += step(b[i * 64 + j], b[i * 64 + j + 1]);
  return static_cast<int>(std::min<int64_t>(100, gradientSum / 90));
}

// dct.ts dctLowFrequencies for PDQ: out (16×16) = D·A·Dᵀ, A 64×64, D the 16×64 basis.
void dct16(const float* a, const float* d, float* out) {
  float tmp[kPdqDctRows * kPdqSide] = {};
  for (int i = 0; i < kPdqDctRows; i++)
    for (int r = 0; r < kPdqSide; r++) {
      const double w = d[i * kPdqSide + r];
      for (int j = 0; j < kPdqSide; j++) tmp[i * kPdqSide + j] = static_cast<float>(static_cast<double>(tmp[i * kPdqSide + j]) + w * static_cast<double>(a[r * kPdqSide + j]));
    }
  for (int i = 0; i < kPdqDctRows; i++)
    for (int j = 0; j < kPdqDctRows; j++) {
      double s = 0;
      for (int c = 0; c < kPdqSide; c++) s += static_cast<double>(tmp[i * kPdqSide + c]) * static_cast<double>(d[j * kPdqSide + c]);
      out[i * kPdqDctRows + j] = static_cast<float>(s);
    }
}

// pdq.ts pdqFromLuma into `hash` (32 bytes, reference order); returns the quality. The box filters run in place, so
// `luma` is scratch afterwards (the TypeScript filters a copy; nothing here reads the luma after its hash).
int pdqHash(float* luma, int width, int height, const float* dct, uint8_t* hash) {
  std::fill(hash, hash + 32, 0);
  if (width < kPdqMinHashableDim || height < kPdqMinHashableDim) return 0;
  float buf64[kPdqSide * kPdqSide];
  if (width == kPdqSide && height == kPdqSide) {
    std::copy(luma, luma + kPdqSide * kPdqSide, buf64);
  } else {
    // Reused by every call on this thread (each analysis worker's own): fresh memory would cost its page faults again.
    thread_local std::vector<float> across;
    thread_local std::vector<double> sums;
    across.resize(static_cast<size_t>(width) * height);
    const int windowAlongRows = jaroszWindowSize(width, kPdqSide), windowAlongCols = jaroszWindowSize(height, kPdqSide);
    for (int pass = 0; pass < 2; pass++) {
      for (int i = 0; i < height; i++) box1D(luma, across.data(), static_cast<size_t>(i) * width, width, 1, windowAlongRows);
      boxAlongColumns(across.data(), luma, width, height, windowAlongCols, sums);
    }
    // pdq.ts decimate: the 64×64 pixel centres.
    for (int oi = 0; oi < kPdqSide; oi++) {
      const size_t row = static_cast<size_t>(std::floor(((oi + 0.5) * height) / kPdqSide)) * width;
      for (int oj = 0; oj < kPdqSide; oj++) buf64[oi * kPdqSide + oj] = luma[row + static_cast<size_t>(std::floor(((oj + 0.5) * width) / kPdqSide))];
    }
  }
  const int quality = qualityOf64(buf64);
  float coefficients[256];
  dct16(buf64, dct, coefficients);
  // pdq.ts bitsAboveMedian: above the lower median, bit k in byte 31 − ⌊k/8⌋.
  float sorted[256];
  std::copy(coefficients, coefficients + 256, sorted);
  std::nth_element(sorted, sorted + 127, sorted + 256);
  const float median = sorted[127];
  for (int k = 0; k < 256; k++)
    if (coefficients[k] > median) hash[31 - (k >> 3)] |= static_cast<uint8_t>(1 << (k & 7));
  return quality;
}

// pdq.ts lumaFromRgb over `n` pixels `channels` bytes apart: (0.299 R + 0.587 G) + 0.114 B.
void lumaOf(const uint8_t* pixels, size_t n, size_t channels, float* luma) {
  for (size_t i = 0; i < n; i++) {
    const uint8_t* p = pixels + i * channels;
    luma[i] = static_cast<float>(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]);
  }
}

// phash.ts grey32FromLuma: the area average of the luma at 32×32, into `out`.
void grey32Of(const float* luma, int width, int height, float* out) {
  thread_local std::vector<float> cols;
  cols.resize(static_cast<size_t>(32) * height);
  const double sx = width / 32.0;
  for (int y = 0; y < height; y++) {
    const float* row = luma + static_cast<size_t>(y) * width;
    for (int ox = 0; ox < 32; ox++) {
      const double x0 = ox * sx, x1 = x0 + sx;
      double s = 0;
      for (int x = static_cast<int>(std::floor(x0)); x < x1 && x < width; x++) s += (std::min(x + 1.0, x1) - std::max(static_cast<double>(x), x0)) * row[x];
      cols[static_cast<size_t>(y) * 32 + ox] = static_cast<float>(s / sx);
    }
  }
  const double sy = height / 32.0;
  for (int oy = 0; oy < 32; oy++) {
    const double y0 = oy * sy, y1 = y0 + sy;
    for (int ox = 0; ox < 32; ox++) {
      double s = 0;
      for (int y = static_cast<int>(std::floor(y0)); y < y1 && y < height; y++) s += (std::min(y + 1.0, y1) - std::max(static_cast<double>(y), y0)) * cols[static_cast<size_t>(y) * 32 + ox];
      out[oy * 32 + ox] = static_cast<float>(s / sy);
    }
  }
}

// hashes(pixels: Uint8Array, width, height, channels, dct: Float32Array of 16×64, withGrey32: boolean)
//   → { hash: Uint8Array of 32, quality, grey32?: Float32Array of 32×32 }
// PDQ of the pixels' luma and, when asked, pHash's input from the same luma, which stays here.
napi_value Hashes(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  const uint8_t* pixels = nullptr;
  const float* dct = nullptr;
  size_t length = 0, dctLength = 0;
  int32_t width = 0, height = 0, channels = 0;
  bool withGrey32 = false;
  if (!imprint::callArgs(env, info, 6, argv) || !imprint::bytesArg(env, argv[0], &pixels, &length) || napi_get_value_int32(env, argv[1], &width) != napi_ok ||
      napi_get_value_int32(env, argv[2], &height) != napi_ok || napi_get_value_int32(env, argv[3], &channels) != napi_ok ||
      !imprint::floatArg(env, argv[4], &dct, &dctLength) || napi_get_value_bool(env, argv[5], &withGrey32) != napi_ok) {
    napi_throw_type_error(env, "hashes_native", "hashes(pixels: Uint8Array, width, height, channels, dct: Float32Array, withGrey32: boolean)");
    return nullptr;
  }
  if (width <= 0 || height <= 0 || channels < 3 || length < static_cast<size_t>(width) * height * channels || dctLength != kPdqDctRows * kPdqSide) {
    napi_throw_range_error(env, "hashes_native", "hashes: a size that is not positive, fewer than 3 channels, pixels shorter than the size, or a DCT basis that is not 16×64");
    return nullptr;
  }
  const size_t n = static_cast<size_t>(width) * height;
  thread_local std::vector<float> luma;
  luma.resize(n);
  lumaOf(pixels, n, channels, luma.data());
  napi_value result;
  if (!imprint::ok(env, napi_create_object(env, &result))) return nullptr;
  // pHash's input first: PDQ's filters then reuse the luma in place.
  if (withGrey32) {
    float* grey32 = nullptr;
    const napi_value grey32Array = imprint::newTyped(env, napi_float32_array, 1024, sizeof(float), reinterpret_cast<void**>(&grey32));
    if (!grey32Array) return nullptr;
    grey32Of(luma.data(), width, height, grey32);
    if (!imprint::ok(env, napi_set_named_property(env, result, "grey32", grey32Array))) return nullptr;
  }
  uint8_t* hash = nullptr;
  napi_value hashArray = imprint::newBytes(env, 32, &hash), quality;
  if (!hashArray) return nullptr;
  const int q = pdqHash(luma.data(), width, height, dct, hash);
  if (!imprint::ok(env, napi_create_int32(env, q, &quality)) || !imprint::ok(env, napi_set_named_property(env, result, "hash", hashArray)) ||
      !imprint::ok(env, napi_set_named_property(env, result, "quality", quality)))
    return nullptr;
  return result;
}

}  // namespace

namespace imprint {

bool RegisterHashes(napi_env env, napi_value exports) {
  return exportFunction(env, exports, "hashes", Hashes);
}

}  // namespace imprint
