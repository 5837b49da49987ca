// ORB keypoints and descriptors from the system's OpenCV: the detector opencv.js runs, natively compiled (SIMD, no
// WASM sandbox). See src/matching/orb-detector.ts for how the two builds compare.
#include "addon.h"
#include <opencv2/core.hpp>
#include <opencv2/core/ocl.hpp>
#include <opencv2/features2d.hpp>
#include <cstring>
#include <vector>

namespace {

// What detect and detectOffThread are asked: a grey image, how many keypoints, the FAST threshold.
struct OrbRequest {
  const uint8_t* pixels = nullptr;
  uint32_t width = 0, height = 0, nfeatures = 0, fast = 0;
};

// ORB's output for one request, or the failure to report.
struct OrbResult {
  std::vector<cv::KeyPoint> keypoints;
  cv::Mat descriptors;
  bool failed = false;
};

// The request's arguments from JavaScript, or false after throwing (`usage` is the message).
bool requestArgs(napi_env env, napi_callback_info info, const char* usage, OrbRequest* request, napi_value* grey) {
  napi_value argv[5];
  size_t length = 0;
  if (!imprint::callArgs(env, info, 5, argv) || !imprint::bytesArg(env, argv[0], &request->pixels, &length) || napi_get_value_uint32(env, argv[1], &request->width) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &request->height) != napi_ok || napi_get_value_uint32(env, argv[3], &request->nfeatures) != napi_ok ||
      napi_get_value_uint32(env, argv[4], &request->fast) != napi_ok) {
    napi_throw_type_error(env, "orb_native", usage);
    return false;
  }
  if (request->width == 0 || request->height == 0 || static_cast<uint64_t>(request->width) * request->height != length) {
    napi_throw_range_error(env, "orb_native", "width × height must equal the grey image's length");
    return false;
  }
  *grey = argv[0];
  return true;
}

// ORB's parameters other than the two asked for are the ones src/matching/opencv.ts gives opencv.js. Touches no
// JavaScript value, so it may run on any thread.
OrbResult runOrb(const OrbRequest& request) {
  OrbResult result;
  try {
    const cv::Mat image(static_cast<int>(request.height), static_cast<int>(request.width), CV_8UC1, const_cast<uint8_t*>(request.pixels));
    auto orb = cv::ORB::create(static_cast<int>(request.nfeatures), 1.2f, 8, 31, 0, 2, cv::ORB::HARRIS_SCORE, 31, static_cast<int>(request.fast));
    orb->detectAndCompute(image, cv::noArray(), result.keypoints, result.descriptors);
  } catch (const cv::Exception&) {
    result.failed = true;
  }
  return result;
}

// { points: Float32Array (x, y per keypoint), responses: Float32Array, descriptors: Uint8Array (32 per keypoint) },
// or nullptr after throwing.
napi_value detection(napi_env env, const OrbResult& found) {
  const size_t n = found.keypoints.size();
  float *points = nullptr, *responses = nullptr;
  uint8_t* rows = nullptr;
  napi_value result, pointsArray, responsesArray, rowsArray;
  if (!(pointsArray = imprint::newTyped(env, napi_float32_array, n * 2, sizeof(float), reinterpret_cast<void**>(&points))) ||
      !(responsesArray = imprint::newTyped(env, napi_float32_array, n, sizeof(float), reinterpret_cast<void**>(&responses))) ||
      !(rowsArray = imprint::newBytes(env, n * 32, &rows)))
    return nullptr;
  for (size_t i = 0; i < n; i++) {
    points[2 * i] = found.keypoints[i].pt.x;
    points[2 * i + 1] = found.keypoints[i].pt.y;
    responses[i] = found.keypoints[i].response;
    std::memcpy(rows + i * 32, found.descriptors.ptr<uint8_t>(static_cast<int>(i)), 32);
  }
  if (!imprint::ok(env, napi_create_object(env, &result)) || !imprint::ok(env, napi_set_named_property(env, result, "points", pointsArray)) ||
      !imprint::ok(env, napi_set_named_property(env, result, "responses", responsesArray)) ||
      !imprint::ok(env, napi_set_named_property(env, result, "descriptors", rowsArray)))
    return nullptr;
  return result;
}

constexpr const char* kFailed = "OpenCV could not extract ORB features";

// detect(grey: Uint8Array, width, height, nfeatures, fastThreshold) → the detection, on the calling thread.
napi_value Detect(napi_env env, napi_callback_info info) {
  OrbRequest request;
  napi_value grey;
  if (!requestArgs(env, info, "detect(grey: Uint8Array, width, height, nfeatures, fastThreshold)", &request, &grey)) return nullptr;
  const OrbResult found = runOrb(request);
  if (found.failed) {
    napi_throw_error(env, "orb_native", kFailed);
    return nullptr;
  }
  return detection(env, found);
}

// One detectOffThread call: its request, the grey image held from garbage collection until ORB is done with it,
// the promise to settle and ORB's output.
struct OffThreadDetection {
  OrbRequest request;
  napi_ref grey = nullptr;
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
  OrbResult found;
};

void executeOffThread(napi_env, void* data) {
  auto* call = static_cast<OffThreadDetection*>(data);
  call->found = runOrb(call->request);
}

void completeOffThread(napi_env env, napi_status status, void* data) {
  auto* call = static_cast<OffThreadDetection*>(data);
  napi_value outcome = nullptr;
  const bool done = status == napi_ok && !call->found.failed && (outcome = detection(env, call->found)) != nullptr;
  if (done) {
    napi_resolve_deferred(env, call->deferred, outcome);
  } else {
    // A failed conversion has thrown: take its exception to reject with, else make one.
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    napi_value error, message;
    if (pending) {
      napi_get_and_clear_last_exception(env, &error);
    } else {
      napi_create_string_utf8(env, kFailed, NAPI_AUTO_LENGTH, &message);
      napi_create_error(env, nullptr, message, &error);
    }
    napi_reject_deferred(env, call->deferred, error);
  }
  napi_delete_reference(env, call->grey);
  napi_delete_async_work(env, call->work);
  delete call;
}

// detectOffThread(grey, width, height, nfeatures, fastThreshold) → Promise of the detection: ORB runs on libuv's
// thread pool while this thread goes on (a query's other work runs beside its ORB). The grey image must not change,
// nor its buffer be transferred to another thread, until the promise settles.
napi_value DetectOffThread(napi_env env, napi_callback_info info) {
  auto* call = new OffThreadDetection();
  napi_value grey, promise, name;
  if (!requestArgs(env, info, "detectOffThread(grey: Uint8Array, width, height, nfeatures, fastThreshold)", &call->request, &grey)) {
    delete call;
    return nullptr;
  }
  if (!imprint::ok(env, napi_create_reference(env, grey, 1, &call->grey))) {
    delete call;
    return nullptr;
  }
  if (!imprint::ok(env, napi_create_promise(env, &call->deferred, &promise)) || !imprint::ok(env, napi_create_string_utf8(env, "imprint:orb", NAPI_AUTO_LENGTH, &name)) ||
      !imprint::ok(env, napi_create_async_work(env, nullptr, name, executeOffThread, completeOffThread, call, &call->work)) ||
      !imprint::ok(env, napi_queue_async_work(env, call->work))) {
    if (call->work) napi_delete_async_work(env, call->work);
    napi_delete_reference(env, call->grey);
    delete call;
    return nullptr;
  }
  return promise;
}

}  // namespace

namespace imprint {

bool RegisterOrb(napi_env env, napi_value exports) {
  // One thread per call: the service already runs one analysis per worker thread, one per core.
  cv::setNumThreads(0);
  cv::ocl::setUseOpenCL(false);
  napi_value version;
  return exportFunction(env, exports, "detect", Detect) && exportFunction(env, exports, "detectOffThread", DetectOffThread) &&
         ok(env, napi_create_string_utf8(env, CV_VERSION, NAPI_AUTO_LENGTH, &version)) &&
         ok(env, napi_set_named_property(env, exports, "opencvVersion", version));
}

}  // namespace imprint
