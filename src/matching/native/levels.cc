// The two per-pixel loops of src/imaging/normalise-grey.ts, compiled: counting a grey image's levels, and mapping
// each pixel through a 256-entry table. They are integer work over every pixel of a query's 1 024 px detail image,
// where JavaScript's loops cost as much as the rest of the normalisation.
#include "addon.h"
#include <cstdint>

namespace {

// levelCounts(grey: Uint8Array) → Uint32Array of 256 counts
napi_value LevelCounts(napi_env env, napi_callback_info info) {
  const uint8_t* grey = nullptr;
  size_t length = 0;
  if (!imprint::onlyBytesArg(env, info, &grey, &length)) {
    napi_throw_type_error(env, "levels_native", "levelCounts(grey: Uint8Array)");
    return nullptr;
  }
  if (length > UINT32_MAX) {
    napi_throw_range_error(env, "levels_native", "an image of at most 2^32 - 1 pixels");
    return nullptr;
  }
  uint32_t counts[256] = {};
  for (size_t i = 0; i < length; i++) counts[grey[i]]++;
  return imprint::typedCopy(env, napi_uint32_array, counts, 256, sizeof(uint32_t));
}

// mapLevels(grey: Uint8Array, table: Uint8Array of 256) → Uint8Array: table[grey[i]] for every pixel
napi_value MapLevels(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  const uint8_t *grey = nullptr, *table = nullptr;
  size_t length = 0, entries = 0;
  if (!imprint::callArgs(env, info, 2, argv) || !imprint::bytesArg(env, argv[0], &grey, &length) || !imprint::bytesArg(env, argv[1], &table, &entries)) {
    napi_throw_type_error(env, "levels_native", "mapLevels(grey: Uint8Array, table: Uint8Array)");
    return nullptr;
  }
  if (entries != 256) {
    napi_throw_range_error(env, "levels_native", "the table must have one entry for each of the 256 levels");
    return nullptr;
  }
  uint8_t* out = nullptr;
  const napi_value result = imprint::newBytes(env, length, &out);
  if (!result) return nullptr;
  for (size_t i = 0; i < length; i++) out[i] = table[grey[i]];
  return result;
}

}  // namespace

namespace imprint {

bool RegisterLevels(napi_env env, napi_value exports) {
  return exportFunction(env, exports, "levelCounts", LevelCounts) && exportFunction(env, exports, "mapLevels", MapLevels);
}

}  // namespace imprint
