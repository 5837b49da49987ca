// ORB keypoints and descriptors from the system's OpenCV, for src/matching/orb-native.ts. The same detector as the
// opencv.js build, natively compiled (SIMD, no WASM sandbox): see docs/calibration.md, "Native ORB".
#include <node_api.h>
#include <opencv2/core.hpp>
#include <opencv2/core/ocl.hpp>
#include <opencv2/features2d.hpp>
#include <cstring>
#include <vector>

namespace {

bool ok(napi_env env, napi_status status) {
  if (status == napi_ok) return true;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, "orb_native", "N-API call failed");
  return false;
}

uint32_t uintArg(napi_env env, napi_value v, bool* good) {
  uint32_t out = 0;
  if (napi_get_value_uint32(env, v, &out) != napi_ok) *good = false;
  return out;
}

napi_value typedCopy(napi_env env, napi_typedarray_type type, const void* src, size_t length, size_t elementBytes) {
  void* data = nullptr;
  napi_value buffer, array;
  if (!ok(env, napi_create_arraybuffer(env, length * elementBytes, &data, &buffer))) return nullptr;
  if (length) std::memcpy(data, src, length * elementBytes);
  if (!ok(env, napi_create_typedarray(env, type, length, buffer, 0, &array))) return nullptr;
  return array;
}

// detect(grey: Uint8Array, width, height, nfeatures, fastThreshold)
//   → { points: Float32Array (x, y per keypoint), responses: Float32Array, descriptors: Uint8Array (32 per keypoint) }
// ORB's parameters other than these two are the ones features.ts gives opencv.js.
napi_value Detect(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (!ok(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr))) return nullptr;
  if (argc != 5) {
    napi_throw_type_error(env, "orb_native", "detect(grey, width, height, nfeatures, fastThreshold)");
    return nullptr;
  }
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* pixels = nullptr;
  napi_value arrayBuffer;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &pixels, &arrayBuffer, &offset) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, "orb_native", "grey must be a Uint8Array");
    return nullptr;
  }
  bool good = true;
  const uint32_t width = uintArg(env, argv[1], &good), height = uintArg(env, argv[2], &good);
  const uint32_t nfeatures = uintArg(env, argv[3], &good), fast = uintArg(env, argv[4], &good);
  if (!good || width == 0 || height == 0 || static_cast<uint64_t>(width) * height != length) {
    napi_throw_range_error(env, "orb_native", "width × height must equal the grey image's length");
    return nullptr;
  }
  std::vector<cv::KeyPoint> keypoints;
  cv::Mat descriptors;
  try {
    const cv::Mat image(static_cast<int>(height), static_cast<int>(width), CV_8UC1, pixels);
    auto orb = cv::ORB::create(static_cast<int>(nfeatures), 1.2f, 8, 31, 0, 2, cv::ORB::HARRIS_SCORE, 31, static_cast<int>(fast));
    orb->detectAndCompute(image, cv::noArray(), keypoints, descriptors);
  } catch (const cv::Exception&) {
    napi_throw_error(env, "orb_native", "OpenCV could not extract ORB features");
    return nullptr;
  }
  const size_t n = keypoints.size();
  std::vector<float> points(n * 2), responses(n);
  for (size_t i = 0; i < n; i++) {
    points[2 * i] = keypoints[i].pt.x;
    points[2 * i + 1] = keypoints[i].pt.y;
    responses[i] = keypoints[i].response;
  }
  std::vector<uint8_t> rows(n * 32);
  for (size_t i = 0; i < n; i++) std::memcpy(&rows[i * 32], descriptors.ptr<uint8_t>(static_cast<int>(i)), 32);
  napi_value result, value;
  if (!ok(env, napi_create_object(env, &result))) return nullptr;
  if (!(value = typedCopy(env, napi_float32_array, points.data(), points.size(), sizeof(float)))) return nullptr;
  if (!ok(env, napi_set_named_property(env, result, "points", value))) return nullptr;
  if (!(value = typedCopy(env, napi_float32_array, responses.data(), responses.size(), sizeof(float)))) return nullptr;
  if (!ok(env, napi_set_named_property(env, result, "responses", value))) return nullptr;
  if (!(value = typedCopy(env, napi_uint8_array, rows.data(), rows.size(), 1))) return nullptr;
  if (!ok(env, napi_set_named_property(env, result, "descriptors", value))) return nullptr;
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  // One thread per call: the service already runs one analysis per worker thread, one per core.
  cv::setNumThreads(0);
  cv::ocl::setUseOpenCL(false);
  napi_value fn, version;
  if (!ok(env, napi_create_function(env, "detect", NAPI_AUTO_LENGTH, Detect, nullptr, &fn))) return nullptr;
  if (!ok(env, napi_set_named_property(env, exports, "detect", fn))) return nullptr;
  if (!ok(env, napi_create_string_utf8(env, CV_VERSION, NAPI_AUTO_LENGTH, &version))) return nullptr;
  if (!ok(env, napi_set_named_property(env, exports, "opencvVersion", version))) return nullptr;
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
