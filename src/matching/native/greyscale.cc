// sharp's greyscale() of 8-bit sRGB pixels: libvips' sRGB → scRGB → B_W (colour/sRGB2scRGB.c, scRGB2BW.c and the
// tables of LabQ2sRGB.c), with the same float arithmetic in the same order, so the same bytes without a libvips
// pipeline. binding.gyp compiles with -ffp-contract=off: a fused multiply-add rounds once where libvips, built for
// CPUs without FMA, rounds twice. Each grey level is a function of its pixel alone, so the test that runs every one
// of the 2^24 colours through both (test/greyscale.test.ts) covers every image.
#include "addon.h"
#include <cmath>
#include <cstdint>
#include <mutex>

namespace {

constexpr int kRange = 256;

// calcul_tables(256, …): the sRGB → linear table, and the linear → sRGB one with a copy of its last element, which
// the interpolation below reads at the top of the range.
float linearOf[kRange];
int srgbOf[kRange + 1];

void makeTables() {
  for (int i = 0; i < kRange; i++) {
    const float f = static_cast<float>(i) / (kRange - 1);
    float v;
    if (f <= 0.0031308)
      v = 12.92F * f;
    else
      v = (1.0F + 0.055F) * powf(f, 1.0F / 2.4F) - 0.055F;
    srgbOf[i] = static_cast<int>(rintf((kRange - 1) * v));
  }
  srgbOf[kRange] = srgbOf[kRange - 1];
  for (int i = 0; i < kRange; i++) {
    const float f = static_cast<float>(i) / (kRange - 1);
    if (f <= 0.04045)
      linearOf[i] = f / 12.92F;
    else
      linearOf[i] = powf((f + 0.055F) / (1 + 0.055F), 2.4F);
  }
}

// vips_col_scRGB2BW for 8 bits: CIE luminance of the linear values, back to sRGB by interpolating in the table.
inline uint8_t greyOf(uint8_t r, uint8_t g, uint8_t b) {
  const float y = 0.2126F * linearOf[r] + 0.7152F * linearOf[g] + 0.0722F * linearOf[b];
  if (std::isnan(y)) return 0;
  float scaled = y * (kRange - 1);
  if (scaled < 0)
    scaled = 0;
  else if (scaled > kRange - 1)
    scaled = kRange - 1;
  const int i = static_cast<int>(scaled);
  const float v = srgbOf[i] + (srgbOf[i + 1] - srgbOf[i]) * (scaled - i);
  return static_cast<uint8_t>(static_cast<int>(rintf(v)));
}

// greyscale(rgb: Uint8Array of 3 bytes per pixel) → Uint8Array of 1 byte per pixel
napi_value Greyscale(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  const uint8_t* rgb = nullptr;
  size_t length = 0;
  if (!imprint::callArgs(env, info, 1, argv) || !imprint::bytesArg(env, argv[0], &rgb, &length)) {
    napi_throw_type_error(env, "greyscale_native", "greyscale(rgb: Uint8Array)");
    return nullptr;
  }
  if (length % 3 != 0) {
    napi_throw_range_error(env, "greyscale_native", "the pixels must be 3 bytes each (R, G, B)");
    return nullptr;
  }
  static std::once_flag tablesMade;
  std::call_once(tablesMade, makeTables);
  const size_t pixels = length / 3;
  void* bytes = nullptr;
  napi_value buffer, result;
  if (!imprint::ok(env, napi_create_arraybuffer(env, pixels, &bytes, &buffer))) return nullptr;
  uint8_t* const grey = static_cast<uint8_t*>(bytes);
  for (size_t i = 0; i < pixels; i++) grey[i] = greyOf(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
  if (!imprint::ok(env, napi_create_typedarray(env, napi_uint8_array, pixels, buffer, 0, &result))) return nullptr;
  return result;
}

}  // namespace

namespace imprint {

bool RegisterGreyscale(napi_env env, napi_value exports) {
  napi_value fn;
  return ok(env, napi_create_function(env, "greyscale", NAPI_AUTO_LENGTH, Greyscale, nullptr, &fn)) &&
         ok(env, napi_set_named_property(env, exports, "greyscale", fn));
}

}  // namespace imprint
