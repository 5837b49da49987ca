// Ratio-test matching of 256-bit descriptors with the CPU's popcount: the same answer as descriptor-match.wat, which
// it replaces where this addon is built (src/matching/descriptor-match.ts; a test holds the two to identical pairs).
#include "addon.h"
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

// The originals' descriptors word by word (word w of original j at [w][j]), so that the distance loop below reads
// each word of consecutive originals contiguously and the compiler vectorises it (-march=native: vector popcount
// where the CPU has one).
struct Columns {
  explicit Columns(const uint8_t* bytes, size_t n) : n(n), words{std::vector<uint64_t>(n), std::vector<uint64_t>(n), std::vector<uint64_t>(n), std::vector<uint64_t>(n)} {
    for (size_t j = 0; j < n; j++)
      for (size_t w = 0; w < 4; w++) std::memcpy(&words[w][j], bytes + 32 * j + 8 * w, 8);
  }
  size_t n;
  std::vector<uint64_t> words[4];
};

void distances(const uint64_t q[4], const Columns& o, uint32_t* out) {
  const uint64_t *o0 = o.words[0].data(), *o1 = o.words[1].data(), *o2 = o.words[2].data(), *o3 = o.words[3].data();
  for (size_t j = 0; j < o.n; j++) {
    out[j] = static_cast<uint32_t>(__builtin_popcountll(q[0] ^ o0[j]) + __builtin_popcountll(q[1] ^ o1[j]) +
                                   __builtin_popcountll(q[2] ^ o2[j]) + __builtin_popcountll(q[3] ^ o3[j]));
  }
}

// match(query: Uint8Array, original: Uint8Array, maxDistance, ratio) → Int32Array of (query index, original index)
// pairs: each query descriptor whose nearest original descriptor (the first of equally near ones) is within
// maxDistance bits and nearer than ratio × the second nearest (257 bits when there is none).
napi_value Match(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (!imprint::ok(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr))) return nullptr;
  const uint8_t* query = nullptr;
  const uint8_t* original = nullptr;
  size_t queryBytes = 0, originalBytes = 0;
  uint32_t maxDistance = 0;
  double ratio = 0;
  if (argc != 4 || !imprint::bytesArg(env, argv[0], &query, &queryBytes) || !imprint::bytesArg(env, argv[1], &original, &originalBytes) ||
      napi_get_value_uint32(env, argv[2], &maxDistance) != napi_ok || napi_get_value_double(env, argv[3], &ratio) != napi_ok) {
    napi_throw_type_error(env, "descriptor_match", "match(query: Uint8Array, original: Uint8Array, maxDistance, ratio)");
    return nullptr;
  }
  const size_t nq = queryBytes / 32, no = originalBytes / 32;
  const Columns columns(original, no);
  std::vector<uint32_t> d(no);
  std::vector<int32_t> pairs;
  pairs.reserve(nq * 2);
  for (size_t i = 0; i < nq; i++) {
    uint64_t q[4];
    std::memcpy(q, query + 32 * i, 32);
    distances(q, columns, d.data());
    // The nearest is the first of equally near originals; the second nearest may equal it (257 bits when none).
    uint32_t best = 257;
    for (size_t j = 0; j < no; j++) best = d[j] < best ? d[j] : best;
    int64_t bestJ = -1;
    for (size_t j = 0; j < no && bestJ < 0; j++)
      if (d[j] == best) bestJ = static_cast<int64_t>(j);
    uint32_t second = 257;
    for (size_t j = 0; j < no; j++) {
      const uint32_t other = static_cast<int64_t>(j) == bestJ ? 257 : d[j];
      second = other < second ? other : second;
    }
    if (bestJ >= 0 && best <= maxDistance && static_cast<double>(best) < ratio * static_cast<double>(second)) {
      pairs.push_back(static_cast<int32_t>(i));
      pairs.push_back(static_cast<int32_t>(bestJ));
    }
  }
  return imprint::typedCopy(env, napi_int32_array, pairs.data(), pairs.size(), sizeof(int32_t));
}

}  // namespace

namespace imprint {

bool RegisterDescriptorMatch(napi_env env, napi_value exports) {
  napi_value fn;
  return ok(env, napi_create_function(env, "match", NAPI_AUTO_LENGTH, Match, nullptr, &fn)) &&
         ok(env, napi_set_named_property(env, exports, "match", fn));
}

}  // namespace imprint
