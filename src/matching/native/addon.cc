// The native addon: ORB from the system's OpenCV (orb.cc), descriptor matching with the CPU's popcount
// (descriptor-match.cc), the integer passes of a grey enlargement (enlarge.cc) and of a lanczos3 reduction
// (reduce.cc), libvips' greyscale (greyscale.cc), a normalisation's per-pixel loops (levels.cc), the per-pixel
// work of the PDQ and pHash hashes (hashes.cc) and the candidate index's probe (probe.cc). Optional:
// scripts/build-native.ts builds it where OpenCV's headers are installed, and src/matching/native-addon.ts falls
// back to the WASM builds and TypeScript without it.
#include "addon.h"
#include <cstring>

namespace imprint {

bool ok(napi_env env, napi_status status) {
  if (status == napi_ok) return true;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, "native_addon", "N-API call failed");
  return false;
}

bool callArgs(napi_env env, napi_callback_info info, size_t count, napi_value* argv) {
  size_t argc = count;
  return ok(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr)) && argc == count;
}

bool typedArrayArg(napi_env env, napi_value value, napi_typedarray_type expected, void** data, size_t* length) {
  napi_typedarray_type type;
  void* raw = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, &buffer, &offset) != napi_ok || type != expected) return false;
  *data = raw;
  return true;
}

namespace {

bool typedArg(napi_env env, napi_value value, napi_typedarray_type expected, const void** data, size_t* length) {
  void* raw = nullptr;
  if (!typedArrayArg(env, value, expected, &raw, length)) return false;
  *data = raw;
  return true;
}

}  // namespace

bool bytesArg(napi_env env, napi_value value, const uint8_t** data, size_t* length) {
  return typedArg(env, value, napi_uint8_array, reinterpret_cast<const void**>(data), length);
}

bool onlyBytesArg(napi_env env, napi_callback_info info, const uint8_t** data, size_t* length) {
  napi_value argv[1];
  return callArgs(env, info, 1, argv) && bytesArg(env, argv[0], data, length);
}

bool int32Arg(napi_env env, napi_value value, const int32_t** data, size_t* length) {
  return typedArg(env, value, napi_int32_array, reinterpret_cast<const void**>(data), length);
}

bool floatArg(napi_env env, napi_value value, const float** data, size_t* length) {
  return typedArg(env, value, napi_float32_array, reinterpret_cast<const void**>(data), length);
}

napi_value typedCopy(napi_env env, napi_typedarray_type type, const void* src, size_t length, size_t elementBytes) {
  void* data = nullptr;
  napi_value buffer, array;
  if (!ok(env, napi_create_arraybuffer(env, length * elementBytes, &data, &buffer))) return nullptr;
  if (length) std::memcpy(data, src, length * elementBytes);
  if (!ok(env, napi_create_typedarray(env, type, length, buffer, 0, &array))) return nullptr;
  return array;
}

napi_value newTyped(napi_env env, napi_typedarray_type type, size_t length, size_t elementBytes, void** data) {
  napi_value buffer, array;
  if (!ok(env, napi_create_arraybuffer(env, length * elementBytes, data, &buffer))) return nullptr;
  if (!ok(env, napi_create_typedarray(env, type, length, buffer, 0, &array))) return nullptr;
  return array;
}

napi_value newBytes(napi_env env, size_t length, uint8_t** data) {
  return newTyped(env, napi_uint8_array, length, 1, reinterpret_cast<void**>(data));
}

bool exportFunction(napi_env env, napi_value exports, const char* name, napi_callback fn) {
  napi_value function;
  return ok(env, napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &function)) && ok(env, napi_set_named_property(env, exports, name, function));
}

}  // namespace imprint

namespace {

napi_value Init(napi_env env, napi_value exports) {
  if (!imprint::RegisterOrb(env, exports) || !imprint::RegisterDescriptorMatch(env, exports) || !imprint::RegisterEnlarge(env, exports) ||
      !imprint::RegisterReduce(env, exports) || !imprint::RegisterGreyscale(env, exports) ||
      !imprint::RegisterLevels(env, exports) || !imprint::RegisterHashes(env, exports) || !imprint::RegisterProbe(env, exports))
    return nullptr;
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
