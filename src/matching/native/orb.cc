// ORB keypoints and descriptors from the system's OpenCV: the detector opencv.js runs, natively compiled (SIMD, no
// WASM sandbox). See src/matching/orb-detector.ts for how the two builds compare.
#include "addon.h"
#include <opencv2/core.hpp>
#include <opencv2/core/ocl.hpp>
#include <opencv2/features2d.hpp>
#include <cstring>
#include <vector>

namespace {

// detect(grey: Uint8Array, width, height, nfeatures, fastThreshold)
//   → { points: Float32Array (x, y per keypoint), responses: Float32Array, descriptors: Uint8Array (32 per keypoint) }
// ORB's parameters other than these two are the ones src/matching/opencv.ts gives opencv.js.
napi_value Detect(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  const uint8_t* pixels = nullptr;
  size_t length = 0;
  uint32_t width = 0, height = 0, nfeatures = 0, fast = 0;
  if (!imprint::callArgs(env, info, 5, argv) || !imprint::bytesArg(env, argv[0], &pixels, &length) || napi_get_value_uint32(env, argv[1], &width) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &height) != napi_ok || napi_get_value_uint32(env, argv[3], &nfeatures) != napi_ok ||
      napi_get_value_uint32(env, argv[4], &fast) != napi_ok) {
    napi_throw_type_error(env, "orb_native", "detect(grey: Uint8Array, width, height, nfeatures, fastThreshold)");
    return nullptr;
  }
  if (width == 0 || height == 0 || static_cast<uint64_t>(width) * height != length) {
    napi_throw_range_error(env, "orb_native", "width × height must equal the grey image's length");
    return nullptr;
  }
  std::vector<cv::KeyPoint> keypoints;
  cv::Mat descriptors;
  try {
    const cv::Mat image(static_cast<int>(height), static_cast<int>(width), CV_8UC1, const_cast<uint8_t*>(pixels));
    auto orb = cv::ORB::create(static_cast<int>(nfeatures), 1.2f, 8, 31, 0, 2, cv::ORB::HARRIS_SCORE, 31, static_cast<int>(fast));
    orb->detectAndCompute(image, cv::noArray(), keypoints, descriptors);
  } catch (const cv::Exception&) {
    napi_throw_error(env, "orb_native", "OpenCV could not extract ORB features");
    return nullptr;
  }
  const size_t n = keypoints.size();
  std::vector<float> points(n * 2), responses(n);
  std::vector<uint8_t> rows(n * 32);
  for (size_t i = 0; i < n; i++) {
    points[2 * i] = keypoints[i].pt.x;
    points[2 * i + 1] = keypoints[i].pt.y;
    responses[i] = keypoints[i].response;
    std::memcpy(&rows[i * 32], descriptors.ptr<uint8_t>(static_cast<int>(i)), 32);
  }
  napi_value result, value;
  if (!imprint::ok(env, napi_create_object(env, &result))) return nullptr;
  if (!(value = imprint::typedCopy(env, napi_float32_array, points.data(), points.size(), sizeof(float))) ||
      !imprint::ok(env, napi_set_named_property(env, result, "points", value)))
    return nullptr;
  if (!(value = imprint::typedCopy(env, napi_float32_array, responses.data(), responses.size(), sizeof(float))) ||
      !imprint::ok(env, napi_set_named_property(env, result, "responses", value)))
    return nullptr;
  if (!(value = imprint::typedCopy(env, napi_uint8_array, rows.data(), rows.size(), 1)) ||
      !imprint::ok(env, napi_set_named_property(env, result, "descriptors", value)))
    return nullptr;
  return result;
}

}  // namespace

namespace imprint {

bool RegisterOrb(napi_env env, napi_value exports) {
  // One thread per call: the service already runs one analysis per worker thread, one per core.
  cv::setNumThreads(0);
  cv::ocl::setUseOpenCL(false);
  napi_value version;
  return exportFunction(env, exports, "detect", Detect) && ok(env, napi_create_string_utf8(env, CV_VERSION, NAPI_AUTO_LENGTH, &version)) &&
         ok(env, napi_set_named_property(env, exports, "opencvVersion", version));
}

}  // namespace imprint
