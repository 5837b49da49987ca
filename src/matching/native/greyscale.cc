// sharp's greyscale() and normalise() of 8-bit pixels, with libvips' colour arithmetic: sRGB → scRGB → B_W
// (colour/sRGB2scRGB.c, scRGB2BW.c and the tables of LabQ2sRGB.c), and the round trip through LAB that normalise()
// stretches L in (B_W → sRGB → scRGB → XYZ → LAB, L scaled, LAB → XYZ → scRGB → B_W: XYZ2Lab.c, Lab2XYZ.c,
// scRGB2XYZ.c, LabQ2sRGB.c's XYZ2scRGB, arithmetic/linear.c). The same float and double operations in the same
// order, so the same bytes without a libvips pipeline. binding.gyp compiles with -ffp-contract=off: a fused
// multiply-add rounds once where libvips, built for CPUs without FMA, rounds twice. Each output depends on its
// pixel (and the two percentiles) alone, so the tests run every colour, and every grey level at every pair of
// percentiles, through both (test/greyscale.test.ts, test/normalise-grey.test.ts).
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
inline uint8_t greyOfLinear(float red, float green, float blue) {
  const float y = 0.2126F * red + 0.7152F * green + 0.0722F * blue;
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

// XYZ2Lab's cube-root table (QUANT_ELEMENTS entries), read with linear interpolation. libvips calls cbrtf; the
// one sharp's build of libvips gets gives the double cube root rounded to float, where this system's cbrtf is a
// bit off for some entries (seen as LAB values one unit in the last place apart), so that is computed here.
constexpr int kCubeRootSteps = 100000;
float cubeRootOf[kCubeRootSteps];

void makeCubeRoots() {
  for (int i = 0; i < kCubeRootSteps; i++) {
    const float y = static_cast<double>(i) / kCubeRootSteps;
    cubeRootOf[i] = y < 0.008856 ? 7.787F * y + (16.0F / 116.0F) : static_cast<float>(cbrt(static_cast<double>(y)));
  }
}

// The D65 white point (VIPS_D65_X0, Y0, Z0).
constexpr double kWhiteX = 95.0470, kWhiteY = 100.0, kWhiteZ = 108.8827;

inline float cubeRoot(float n) {
  int i = static_cast<int>(n);
  i = i < 0 ? 0 : i > kCubeRootSteps - 2 ? kCubeRootSteps - 2 : i;
  const float f = n - i;
  return cubeRootOf[i] + f * (cubeRootOf[i + 1] - cubeRootOf[i]);
}

// Every table, once per process (worker threads share them).
void ensureTables() {
  static std::once_flag made;
  std::call_once(made, [] {
    makeTables();
    makeCubeRoots();
  });
}

// normalise()'s output for grey level `g` when L is stretched from [min, max] to [0, 100].
uint8_t normalisedOf(uint8_t g, float scale, float offset) {
  // B_W → sRGB (three equal bands) → scRGB → XYZ.
  const float v = linearOf[g];
  const float r = v * kWhiteY, gr = v * kWhiteY, b = v * kWhiteY;
  const float x = 0.4124F * r + 0.3576F * gr + 0.1805F * b;
  const float y = 0.2126F * r + 0.7152F * gr + 0.0722F * b;
  const float z = 0.0193F * r + 0.1192F * gr + 0.9505F * b;
  // XYZ → LAB.
  const float nx = kCubeRootSteps * x / kWhiteX, ny = kCubeRootSteps * y / kWhiteY, nz = kCubeRootSteps * z / kWhiteZ;
  const float cbx = cubeRoot(nx), cby = cubeRoot(ny), cbz = cubeRoot(nz);
  const float l = 116.0F * cby - 16.0F;
  const float a = 500.0F * (cbx - cby);
  const float bb = 200.0F * (cby - cbz);
  // L stretched (vips_linear on a float image: float constants, float arithmetic).
  const float stretched = scale * l + offset;
  // LAB → XYZ (Lab2XYZ.c: double arithmetic, float results).
  float outY;
  double cubeY;
  if (stretched < 8.0) {
    outY = (stretched * kWhiteY) / 903.3;
    cubeY = 7.787 * (outY / kWhiteY) + 16.0 / 116.0;
  } else {
    cubeY = (stretched + 16.0) / 116.0;
    outY = kWhiteY * cubeY * cubeY * cubeY;
  }
  double t = a / 500.0 + cubeY;
  float outX = t < 0.2069 ? kWhiteX * (t - 0.13793) / 7.787 : kWhiteX * t * t * t;
  t = cubeY - bb / 200.0;
  float outZ = t < 0.2069 ? kWhiteZ * (t - 0.13793) / 7.787 : kWhiteZ * t * t * t;
  // XYZ → scRGB (vips_col_XYZ2scRGB) → B_W.
  outX /= kWhiteY;
  outY /= kWhiteY;
  outZ /= kWhiteY;
  const float red = 3.240625F * outX + -1.537208F * outY + -0.498629F * outZ;
  const float green = -0.968931F * outX + 1.875756F * outY + 0.041518F * outZ;
  const float blue = 0.055710F * outX + -0.204021F * outY + 1.056996F * outZ;
  return greyOfLinear(red, green, blue);
}

// greyscale(rgb: Uint8Array of 3 bytes per pixel) → Uint8Array of 1 byte per pixel
napi_value Greyscale(napi_env env, napi_callback_info info) {
  const uint8_t* rgb = nullptr;
  size_t length = 0;
  if (!imprint::onlyBytesArg(env, info, &rgb, &length)) {
    napi_throw_type_error(env, "greyscale_native", "greyscale(rgb: Uint8Array)");
    return nullptr;
  }
  if (length % 3 != 0) {
    napi_throw_range_error(env, "greyscale_native", "the pixels must be 3 bytes each (R, G, B)");
    return nullptr;
  }
  ensureTables();
  const size_t pixels = length / 3;
  uint8_t* grey = nullptr;
  const napi_value result = imprint::newBytes(env, pixels, &grey);
  if (!result) return nullptr;
  for (size_t i = 0; i < pixels; i++) grey[i] = greyOfLinear(linearOf[rgb[3 * i]], linearOf[rgb[3 * i + 1]], linearOf[rgb[3 * i + 2]]);
  return result;
}

// normaliseTable(min, max) → Uint8Array of 256: normalise()'s output for each grey level when the 1st and 99th
// percentiles of L are `min` and `max` (whole numbers, as sharp takes them; 0 ≤ min, max - min > 1).
napi_value NormaliseTable(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t min = 0, max = 0;
  if (!imprint::callArgs(env, info, 2, argv) || napi_get_value_int32(env, argv[0], &min) != napi_ok || napi_get_value_int32(env, argv[1], &max) != napi_ok) {
    napi_throw_type_error(env, "normalise_native", "normaliseTable(min: number, max: number)");
    return nullptr;
  }
  if (min < 0 || max - min <= 1 || max > 1000) {
    napi_throw_range_error(env, "normalise_native", "the percentiles must satisfy 0 ≤ min and max - min > 1");
    return nullptr;
  }
  ensureTables();
  // sharp: f = 100 / (max - min), a = -(min * f) in double; vips_linear keeps them as floats for a float image.
  const double f = 100.0 / (max - min);
  const float scale = static_cast<float>(f), offset = static_cast<float>(-(min * f));
  uint8_t table[256];
  for (int g = 0; g < 256; g++) table[g] = normalisedOf(static_cast<uint8_t>(g), scale, offset);
  return imprint::typedCopy(env, napi_uint8_array, table, 256, 1);
}

}  // namespace

namespace imprint {

bool RegisterGreyscale(napi_env env, napi_value exports) {
  return exportFunction(env, exports, "greyscale", Greyscale) && exportFunction(env, exports, "normaliseTable", NormaliseTable);
}

}  // namespace imprint
