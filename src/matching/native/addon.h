// The native addon's shared helpers (src/matching/native): N-API status checks and typed-array conversions.
#pragma once
#include <node_api.h>
#include <cstddef>
#include <cstdint>

namespace imprint {

/** True when `status` is napi_ok; otherwise throws (unless an exception is already pending) and returns false. */
bool ok(napi_env env, napi_status status);

/** The call's arguments into `argv`: false when they are not exactly `count` (or N-API failed, which has thrown). */
bool callArgs(napi_env env, napi_callback_info info, size_t count, napi_value* argv);

/** A typed array argument of `type`: its elements (writable) and their count, or false when `value` is not one. */
bool typedArrayArg(napi_env env, napi_value value, napi_typedarray_type type, void** data, size_t* length);

/** A Uint8Array argument's bytes, or false when `value` is not one. */
bool bytesArg(napi_env env, napi_value value, const uint8_t** data, size_t* length);

/** The call's only argument, a Uint8Array: its bytes, or false (N-API failures have thrown). */
bool onlyBytesArg(napi_env env, napi_callback_info info, const uint8_t** data, size_t* length);

/** An Int32Array argument's elements, or false when `value` is not one. */
bool int32Arg(napi_env env, napi_value value, const int32_t** data, size_t* length);

/** A Float32Array argument's elements, or false when `value` is not one. */
bool floatArg(napi_env env, napi_value value, const float** data, size_t* length);

/** A new typed array of `type` holding a copy of `length` elements of `elementBytes` each, or nullptr (thrown). */
napi_value typedCopy(napi_env env, napi_typedarray_type type, const void* src, size_t length, size_t elementBytes);

/** A new typed array of `type` with `length` elements of `elementBytes` each, for the caller to fill through `*data`, or nullptr (thrown). */
napi_value newTyped(napi_env env, napi_typedarray_type type, size_t length, size_t elementBytes, void** data);

/** A new Uint8Array of `length` bytes for the caller to fill through `*data`, or nullptr (thrown). */
napi_value newBytes(napi_env env, size_t length, uint8_t** data);

/** `exports[name]` = a JavaScript function calling `fn`; false when N-API failed (thrown). */
bool exportFunction(napi_env env, napi_value exports, const char* name, napi_callback fn);

bool RegisterOrb(napi_env env, napi_value exports);
bool RegisterDescriptorMatch(napi_env env, napi_value exports);
bool RegisterEnlarge(napi_env env, napi_value exports);
bool RegisterReduce(napi_env env, napi_value exports);
bool RegisterGreyscale(napi_env env, napi_value exports);
bool RegisterLevels(napi_env env, napi_value exports);
bool RegisterHashes(napi_env env, napi_value exports);
bool RegisterProbe(napi_env env, napi_value exports);

}  // namespace imprint
