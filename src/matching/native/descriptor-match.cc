// Ratio-test matching of 256-bit descriptors with the CPU's popcount: the same answer as descriptor-match.wat, which
// it replaces where this addon is built (src/matching/descriptor-match.ts; a test holds both kernels here and the
// WASM one to identical pairs).
#include "addon.h"
#include <cstdint>
#include <cstring>
#include <vector>
#if defined(__AVX512F__) && defined(__AVX512VPOPCNTDQ__)
#include <immintrin.h>
#define IMPRINT_AVX512 1
#elif defined(__AVX2__)
#include <immintrin.h>
#define IMPRINT_AVX2 1
#endif

namespace {

// The originals' descriptors word by word (word w of original j at [w][j]), so that the distance loops below read
// each word of consecutive originals contiguously.
struct Columns {
  explicit Columns(const uint8_t* bytes, size_t n) : n(n), words{std::vector<uint64_t>(n), std::vector<uint64_t>(n), std::vector<uint64_t>(n), std::vector<uint64_t>(n)} {
    for (size_t j = 0; j < n; j++)
      for (size_t w = 0; w < 4; w++) std::memcpy(&words[w][j], bytes + 32 * j + 8 * w, 8);
  }
  uint32_t distance(const uint64_t q[4], size_t j) const {
    return static_cast<uint32_t>(__builtin_popcountll(q[0] ^ words[0][j]) + __builtin_popcountll(q[1] ^ words[1][j]) +
                                 __builtin_popcountll(q[2] ^ words[2][j]) + __builtin_popcountll(q[3] ^ words[3][j]));
  }
  size_t n;
  std::vector<uint64_t> words[4];
};

// A query descriptor's nearest original (the first of equally near ones; -1 when there is none) and the distances to
// it and to the second nearest, which may equal it (257 bits stand for "none").
struct Nearest {
  uint32_t best = 257;
  uint32_t second = 257;
  int64_t bestJ = -1;

  // Folds originals [from, n) in, one at a time, in order.
  void scan(const uint64_t q[4], const Columns& o, size_t from) {
    for (size_t j = from; j < o.n; j++) {
      const uint32_t d = o.distance(q, j);
      if (d < best) {
        second = best;
        best = d;
        bestJ = static_cast<int64_t>(j);
      } else if (d < second) {
        second = d;
      }
    }
  }
};

// Any CPU: every distance into `scratch` (the compiler vectorises the loop), then the nearest two in three sweeps
// (a single branching sweep, as Nearest::scan, was slower on these data).
Nearest nearestPortable(const uint64_t q[4], const Columns& o, std::vector<uint32_t>& scratch) {
  if (scratch.size() < o.n) scratch.resize(o.n);
  uint32_t* d = scratch.data();
  for (size_t j = 0; j < o.n; j++) d[j] = o.distance(q, j);
  Nearest n;
  for (size_t j = 0; j < o.n; j++) n.best = d[j] < n.best ? d[j] : n.best;
  for (size_t j = 0; j < o.n && n.bestJ < 0; j++)
    if (d[j] == n.best) n.bestJ = static_cast<int64_t>(j);
  for (size_t j = 0; j < o.n; j++) {
    const uint32_t other = static_cast<int64_t>(j) == n.bestJ ? 257 : d[j];
    n.second = other < n.second ? other : n.second;
  }
  return n;
}

// The nearest two over the vector kernels' lanes (each lane's nearest, its first index, and its second nearest),
// then the originals from `from` on that no whole step covered, scanned one at a time.
[[maybe_unused]] Nearest mergedLanes(const uint64_t q[4], const Columns& o, const uint32_t* laneBest, const uint32_t* laneSecond, const int32_t* laneJ, int lanes, size_t from) {
  Nearest n;
  for (int l = 0; l < lanes; l++) {
    if (laneJ[l] >= 0 && (laneBest[l] < n.best || (laneBest[l] == n.best && laneJ[l] < n.bestJ))) {
      n.best = laneBest[l];
      n.bestJ = laneJ[l];
    }
  }
  // The second nearest: the nearest lane's own second, or another lane's nearest.
  for (int l = 0; l < lanes; l++) {
    const uint32_t other = n.bestJ >= 0 && laneJ[l] == n.bestJ ? laneSecond[l] : laneBest[l];
    n.second = other < n.second ? other : n.second;
  }
  n.scan(q, o, from);
  return n;
}

#ifdef IMPRINT_AVX512
// Eight distances at once: vector popcount of the four words of originals j … j+7.
inline __m512i distances8(const __m512i q[4], const Columns& o, size_t j) {
  __m512i sum = _mm512_popcnt_epi64(_mm512_xor_si512(q[0], _mm512_loadu_si512(o.words[0].data() + j)));
  for (int w = 1; w < 4; w++) sum = _mm512_add_epi64(sum, _mm512_popcnt_epi64(_mm512_xor_si512(q[w], _mm512_loadu_si512(o.words[w].data() + j))));
  return sum;
}

// AVX-512 with vector popcount: sixteen originals per step, each of sixteen lanes keeping its own nearest two (and
// the nearest's first index), without storing any distance; the lanes are merged, then the last < 16 scanned.
// The same answer as nearestPortable, faster (figures: docs/calibration.md, "A vector-popcount matching kernel").
Nearest nearestAvx512(const uint64_t q[4], const Columns& o) {
  const __m512i qv[4] = {_mm512_set1_epi64(q[0]), _mm512_set1_epi64(q[1]), _mm512_set1_epi64(q[2]), _mm512_set1_epi64(q[3])};
  // Two vectors of eight 64-bit distances → one of sixteen 32-bit ones, in order.
  const __m512i pack = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  __m512i best = _mm512_set1_epi32(257), second = best, bestJ = _mm512_set1_epi32(-1);
  __m512i j16 = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const size_t whole = o.n / 16 * 16;
  for (size_t j = 0; j < whole; j += 16) {
    const __m512i d = _mm512_permutex2var_epi32(distances8(qv, o, j), pack, distances8(qv, o, j + 8));
    const __mmask16 nearer = _mm512_cmplt_epu32_mask(d, best);
    second = _mm512_min_epu32(second, _mm512_mask_blend_epi32(nearer, d, best));
    best = _mm512_mask_blend_epi32(nearer, best, d);
    bestJ = _mm512_mask_blend_epi32(nearer, bestJ, j16);
    j16 = _mm512_add_epi32(j16, _mm512_set1_epi32(16));
  }
  alignas(64) uint32_t laneBest[16], laneSecond[16];
  alignas(64) int32_t laneJ[16];
  _mm512_store_si512(laneBest, best);
  _mm512_store_si512(laneSecond, second);
  _mm512_store_si512(laneJ, bestJ);
  return mergedLanes(q, o, laneBest, laneSecond, laneJ, 16, whole);
}
#endif

#ifdef IMPRINT_AVX2
// Eight distances at once without a vector popcount: each byte's bits counted by a 16-entry table of nibbles
// (vpshufb), summed over the four words (at most 32 a byte), then per original (vpsadbw). Two vectors of four
// 64-bit sums become eight 32-bit lanes in the order j, j+4, j+1, j+5, j+2, j+6, j+3, j+7.
inline __m256i distances8(const __m256i q[4], const Columns& o, size_t j) {
  const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  const auto bits = [&](__m256i x) {
    return _mm256_add_epi8(_mm256_shuffle_epi8(table, _mm256_and_si256(x, nibble)), _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble)));
  };
  __m256i low = _mm256_setzero_si256(), high = _mm256_setzero_si256();
  for (int w = 0; w < 4; w++) {
    low = _mm256_add_epi8(low, bits(_mm256_xor_si256(q[w], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(o.words[w].data() + j)))));
    high = _mm256_add_epi8(high, bits(_mm256_xor_si256(q[w], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(o.words[w].data() + j + 4)))));
  }
  const __m256i zero = _mm256_setzero_si256();
  return _mm256_or_si256(_mm256_sad_epu8(low, zero), _mm256_slli_epi64(_mm256_sad_epu8(high, zero), 32));
}

// AVX2: eight originals per step, each of eight lanes keeping its own nearest two (and the nearest's first index),
// as nearestAvx512 does with sixteen; the lanes are merged, then the last < 8 scanned. The same answer as
// nearestPortable, faster (figures: docs/calibration.md, "An AVX2 matching kernel").
Nearest nearestAvx2(const uint64_t q[4], const Columns& o) {
  const __m256i qv[4] = {_mm256_set1_epi64x(static_cast<long long>(q[0])), _mm256_set1_epi64x(static_cast<long long>(q[1])),
                         _mm256_set1_epi64x(static_cast<long long>(q[2])), _mm256_set1_epi64x(static_cast<long long>(q[3]))};
  __m256i best = _mm256_set1_epi32(257), second = best, bestJ = _mm256_set1_epi32(-1);
  __m256i j8 = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  const size_t whole = o.n / 8 * 8;
  for (size_t j = 0; j < whole; j += 8) {
    const __m256i d = distances8(qv, o, j);
    // Distances are at most 257, so a signed comparison is the unsigned one.
    const __m256i nearer = _mm256_cmpgt_epi32(best, d);
    second = _mm256_min_epu32(second, _mm256_blendv_epi8(d, best, nearer));
    best = _mm256_blendv_epi8(best, d, nearer);
    bestJ = _mm256_blendv_epi8(bestJ, j8, nearer);
    j8 = _mm256_add_epi32(j8, _mm256_set1_epi32(8));
  }
  alignas(32) uint32_t laneBest[8], laneSecond[8];
  alignas(32) int32_t laneJ[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(laneBest), best);
  _mm256_store_si256(reinterpret_cast<__m256i*>(laneSecond), second);
  _mm256_store_si256(reinterpret_cast<__m256i*>(laneJ), bestJ);
  return mergedLanes(q, o, laneBest, laneSecond, laneJ, 8, whole);
}
#endif

enum class Kernel { Fastest, Portable };

// One query descriptor's nearest two with the kernel asked for (the portable one where the build has no other).
template <Kernel kernel>
Nearest nearest(const uint64_t q[4], const Columns& o, std::vector<uint32_t>& scratch) {
#if defined(IMPRINT_AVX512)
  if (kernel == Kernel::Fastest) return nearestAvx512(q, o);
#elif defined(IMPRINT_AVX2)
  if (kernel == Kernel::Fastest) return nearestAvx2(q, o);
#endif
  return nearestPortable(q, o, scratch);
}

// match(query: Uint8Array, original: Uint8Array, maxDistance, ratio) → Int32Array of (query index, original index)
// pairs: each query descriptor whose nearest original descriptor (the first of equally near ones) is within
// maxDistance bits and nearer than ratio × the second nearest (257 bits when there is none).
template <Kernel kernel>
napi_value Match(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  const uint8_t* query = nullptr;
  const uint8_t* original = nullptr;
  size_t queryBytes = 0, originalBytes = 0;
  uint32_t maxDistance = 0;
  double ratio = 0;
  if (!imprint::callArgs(env, info, 4, argv) || !imprint::bytesArg(env, argv[0], &query, &queryBytes) || !imprint::bytesArg(env, argv[1], &original, &originalBytes) ||
      napi_get_value_uint32(env, argv[2], &maxDistance) != napi_ok || napi_get_value_double(env, argv[3], &ratio) != napi_ok) {
    napi_throw_type_error(env, "descriptor_match", "match(query: Uint8Array, original: Uint8Array, maxDistance, ratio)");
    return nullptr;
  }
  const size_t nq = queryBytes / 32, no = originalBytes / 32;
  const Columns columns(original, no);
  std::vector<uint32_t> scratch;  // sized by the portable kernel, the only one that stores distances
  std::vector<int32_t> pairs;
  pairs.reserve(nq * 2);
  for (size_t i = 0; i < nq; i++) {
    uint64_t q[4];
    std::memcpy(q, query + 32 * i, 32);
    const Nearest n = nearest<kernel>(q, columns, scratch);
    if (n.bestJ >= 0 && n.best <= maxDistance && static_cast<double>(n.best) < ratio * static_cast<double>(n.second)) {
      pairs.push_back(static_cast<int32_t>(i));
      pairs.push_back(static_cast<int32_t>(n.bestJ));
    }
  }
  return imprint::typedCopy(env, napi_int32_array, pairs.data(), pairs.size(), sizeof(int32_t));
}

}  // namespace

namespace imprint {

// `match`: the fastest kernel this build has; `matchPortable`: the one any CPU runs, for the tests to hold to the
// same answer; `matchKernel` names the first.
bool RegisterDescriptorMatch(napi_env env, napi_value exports) {
  napi_value kernel;
#if defined(IMPRINT_AVX512)
  const char* name = "avx512";
#elif defined(IMPRINT_AVX2)
  const char* name = "avx2";
#else
  const char* name = "portable";
#endif
  return exportFunction(env, exports, "match", Match<Kernel::Fastest>) && exportFunction(env, exports, "matchPortable", Match<Kernel::Portable>) &&
         ok(env, napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &kernel)) && ok(env, napi_set_named_property(env, exports, "matchKernel", kernel));
}

}  // namespace imprint
