// The candidate index's probe (src/matching/probe-kernel.ts, typeScriptProbe), compiled: the same votes, in the same
// order, in about half the time (README, "The index's probe, compiled").
#include "addon.h"
#include <algorithm>
#include <cstdint>
#include <vector>

namespace {

constexpr uint32_t kDescriptorBytes = 32;
constexpr uint32_t kSignatureByte = 28;
constexpr uint32_t kTableFields = 9;

struct Table {
  const uint32_t* offsets;
  size_t keys;  // offsets has keys + 1 entries
  const int32_t* postings;
  size_t postingWords;
  const int32_t* deltaHead;
  size_t deltaHeads;
  const uint32_t* deltaKey;
  const uint32_t* deltaSlot;
  const int32_t* deltaTag;
  const int32_t* deltaNext;
  size_t deltaEntries;  // the shortest of the four delta arrays
  uint32_t deltaMask;
  uint32_t deltaCount;
};

uint32_t key24(const uint8_t* d, uint32_t t) {
  const uint8_t* o = d + 3 * t;
  return o[0] | (o[1] << 8) | (o[2] << 16);
}

int32_t signatureOf(const uint8_t* d) {
  const uint8_t* o = d + kSignatureByte;
  return static_cast<int32_t>(o[0] | (o[1] << 8) | (o[2] << 16) | (static_cast<uint32_t>(o[3]) << 24));
}

uint32_t keyAt(uint32_t own, int b) { return b < 0 ? own : own ^ (1u << b); }

// One table of `tables`, as Probe's comment lists its fields; false when it is not those arrays and numbers.
bool tableArg(napi_env env, napi_value fields, Table* out) {
  napi_value v[kTableFields];
  for (uint32_t f = 0; f < kTableFields; f++)
    if (napi_get_element(env, fields, f, &v[f]) != napi_ok) return false;
  size_t offsets, deltaKeys, deltaSlots, deltaTags, deltaNexts;
  void* p[7];
  if (!imprint::typedArrayArg(env, v[0], napi_uint32_array, &p[0], &offsets) || offsets < 1 ||
      !imprint::typedArrayArg(env, v[1], napi_int32_array, &p[1], &out->postingWords) ||
      !imprint::typedArrayArg(env, v[2], napi_int32_array, &p[2], &out->deltaHeads) ||
      !imprint::typedArrayArg(env, v[3], napi_uint32_array, &p[3], &deltaKeys) ||
      !imprint::typedArrayArg(env, v[4], napi_uint32_array, &p[4], &deltaSlots) ||
      !imprint::typedArrayArg(env, v[5], napi_int32_array, &p[5], &deltaTags) ||
      !imprint::typedArrayArg(env, v[6], napi_int32_array, &p[6], &deltaNexts) ||
      napi_get_value_uint32(env, v[7], &out->deltaMask) != napi_ok || napi_get_value_uint32(env, v[8], &out->deltaCount) != napi_ok)
    return false;
  out->offsets = static_cast<const uint32_t*>(p[0]);
  out->keys = offsets - 1;
  out->postings = static_cast<const int32_t*>(p[1]);
  out->deltaHead = static_cast<const int32_t*>(p[2]);
  out->deltaKey = static_cast<const uint32_t*>(p[3]);
  out->deltaSlot = static_cast<const uint32_t*>(p[4]);
  out->deltaTag = static_cast<const int32_t*>(p[5]);
  out->deltaNext = static_cast<const int32_t*>(p[6]);
  out->deltaEntries = std::min(std::min(deltaKeys, deltaSlots), std::min(deltaTags, deltaNexts));
  // Every head must fall inside the table (a key's chain is found at key & deltaMask).
  return out->deltaMask < out->deltaHeads || out->deltaCount == 0;
}

// probe(descriptors, count, fromBit, toBit, maxSignatureDistance, keyMask, tables, votes, lastVoter): the slots that
// received their first vote, in the order they did. `tables` holds, per table, [offsets, postings, deltaHead,
// deltaKey, deltaSlot, deltaTag, deltaNext, deltaMask, deltaCount]; votes and lastVoter are updated in place.
napi_value Probe(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  const uint8_t* descriptors;
  size_t descriptorBytes, voteCount, voterCount;
  uint32_t count, maxDistance, keyMask, tableCount;
  int32_t fromBit, toBit;
  void *votesData, *votersData;
  if (!imprint::callArgs(env, info, 9, argv) || !imprint::bytesArg(env, argv[0], &descriptors, &descriptorBytes) ||
      napi_get_value_uint32(env, argv[1], &count) != napi_ok || napi_get_value_int32(env, argv[2], &fromBit) != napi_ok ||
      napi_get_value_int32(env, argv[3], &toBit) != napi_ok || napi_get_value_uint32(env, argv[4], &maxDistance) != napi_ok ||
      napi_get_value_uint32(env, argv[5], &keyMask) != napi_ok || napi_get_array_length(env, argv[6], &tableCount) != napi_ok ||
      !imprint::typedArrayArg(env, argv[7], napi_uint16_array, &votesData, &voteCount) ||
      !imprint::typedArrayArg(env, argv[8], napi_int32_array, &votersData, &voterCount) || fromBit < -1 || toBit > 31) {
    napi_throw_type_error(env, "native_addon", "probe(descriptors, count, fromBit, toBit, maxSignatureDistance, keyMask, tables, votes, lastVoter)");
    return nullptr;
  }
  std::vector<Table> tables(tableCount);
  for (uint32_t t = 0; t < tableCount; t++) {
    napi_value fields;
    if (napi_get_element(env, argv[6], t, &fields) != napi_ok || !tableArg(env, fields, &tables[t])) {
      napi_throw_type_error(env, "native_addon", "probe: a table is [offsets, postings, deltaHead, deltaKey, deltaSlot, deltaTag, deltaNext, deltaMask, deltaCount]");
      return nullptr;
    }
  }
  for (const Table& t : tables)
    if (keyMask >= t.keys || (toBit > 0 && (keyMask >> (toBit - 1)) == 0)) {
      napi_throw_range_error(env, "native_addon", "probe: a key or flipped bit lies outside a table");
      return nullptr;
    }
  const uint32_t n = std::min<uint32_t>(count, static_cast<uint32_t>(descriptorBytes / kDescriptorBytes));
  auto* votes = static_cast<uint16_t*>(votesData);
  auto* lastVoter = static_cast<int32_t*>(votersData);
  const size_t slots = std::min(voteCount, voterCount);
  std::vector<int32_t> touched;

  for (uint32_t i = 0; i < n; i++) {
    const uint8_t* d = descriptors + static_cast<size_t>(i) * kDescriptorBytes;
    const int32_t sig = signatureOf(d);
    const int32_t voter = static_cast<int32_t>(i);
    const auto vote = [&](uint32_t slot) {
      if (slot >= slots || lastVoter[slot] == voter) return;
      lastVoter[slot] = voter;
      if (votes[slot]++ == 0) touched.push_back(static_cast<int32_t>(slot));
    };
    for (uint32_t t = 0; t < tableCount; t++) {
      const Table& table = tables[t];
      const uint32_t own = key24(d, t) & keyMask;
      for (int b = fromBit; b < toBit; b++) {
        const uint32_t key = keyAt(own, b);
        const size_t end = std::min<size_t>(2 * static_cast<size_t>(table.offsets[key + 1]), table.postingWords & ~size_t{1});
        for (size_t p = 2 * static_cast<size_t>(table.offsets[key]); p < end; p += 2) {
          if (static_cast<uint32_t>(__builtin_popcount(static_cast<uint32_t>(sig ^ table.postings[p + 1]))) > maxDistance) continue;
          vote(static_cast<uint32_t>(table.postings[p]));
        }
        if (table.deltaCount == 0) continue;
        for (int32_t e = table.deltaHead[key & table.deltaMask]; e >= 0 && static_cast<size_t>(e) < table.deltaEntries; e = table.deltaNext[e]) {
          if (table.deltaKey[e] != key || static_cast<uint32_t>(__builtin_popcount(static_cast<uint32_t>(sig ^ table.deltaTag[e]))) > maxDistance) continue;
          vote(table.deltaSlot[e]);
        }
      }
    }
  }
  return imprint::typedCopy(env, napi_int32_array, touched.data(), touched.size(), sizeof(int32_t));
}

}  // namespace

namespace imprint {

bool RegisterProbe(napi_env env, napi_value exports) { return exportFunction(env, exports, "probe", Probe); }

}  // namespace imprint
