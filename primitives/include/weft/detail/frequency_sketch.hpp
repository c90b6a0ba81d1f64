// weft/detail/frequency_sketch.hpp — a count-min sketch of 4-bit counters that estimates
// how often each key was seen recently: the "TinyLFU" part of W-TinyLFU (Einziger,
// Friedman, Manes: "TinyLFU: A Highly Efficient Cache Admission Policy", 2017; the
// design of Caffeine's FrequencySketch).
//
// Layout: `words` 64-bit words, each holding 16 counters of 4 bits. A key's hash selects
// one counter in each of 4 rows (4 independent re-hashes); its estimate is the minimum
// of the 4 (count-min: never below the true count, rarely above). Counters saturate at
// 15. Ageing: after `sample` increments every counter is halved, so the sketch follows
// recent popularity instead of all-time popularity, and the sample count halves too.
//
// Not thread-safe: one sketch per cache shard, used under the shard's lock.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace weft::detail {

class frequency_sketch {
 public:
  // Sized for about `capacity` distinct keys in the cache.
  explicit frequency_sketch(std::size_t capacity) {
    std::size_t words = 8;
    while (words < capacity && words < (std::size_t{1} << 24)) {
      words <<= 1;
    }
    table_.assign(words, 0);
    mask_ = words - 1;
    sample_ = 10 * std::max<std::size_t>(capacity, 8);
  }

  // Estimated recent count of `hash` (0..15).
  unsigned frequency(std::uint64_t hash) const noexcept {
    unsigned f = 15;
    for (unsigned row = 0; row < 4; ++row) {
      const std::uint64_t h = rehash(hash, row);
      f = std::min(f, static_cast<unsigned>((table_[h & mask_] >> shift_of(h)) & 0xF));
    }
    return f;
  }

  // Counts one more occurrence of `hash`; halves everything every `sample` increments.
  void increment(std::uint64_t hash) noexcept {
    bool added = false;
    for (unsigned row = 0; row < 4; ++row) {
      const std::uint64_t h = rehash(hash, row);
      std::uint64_t& w = table_[h & mask_];
      const unsigned s = shift_of(h);
      if (((w >> s) & 0xF) != 0xF) {
        w += std::uint64_t{1} << s;
        added = true;
      }
    }
    if (added && ++additions_ >= sample_) {
      age();
    }
  }

  std::size_t bytes() const noexcept { return table_.size() * sizeof(std::uint64_t); }

 private:
  static std::uint64_t rehash(std::uint64_t x, unsigned row) noexcept {
    static constexpr std::uint64_t seeds[4] = {0xc3a5c85c97cb3127ULL, 0xb492b66fbe98f273ULL,
                                               0x9ae16a3b2f90404fULL, 0xcbf29ce484222325ULL};
    x = (x ^ seeds[row]) * 0x9E3779B97F4A7C15ULL;
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ULL;
    return x ^ (x >> 32);
  }
  // Which 4-bit counter of the word: bits above the index bits.
  static unsigned shift_of(std::uint64_t h) noexcept {
    return static_cast<unsigned>((h >> 58) & 0xF) * 4;
  }

  void age() noexcept {
    for (std::uint64_t& w : table_) {
      w = (w >> 1) & 0x7777777777777777ULL;
    }
    additions_ /= 2;
  }

  std::vector<std::uint64_t> table_;
  std::uint64_t mask_ = 0;
  std::size_t sample_ = 0;     // increments between two halvings
  std::size_t additions_ = 0;  // increments since the last halving (halved with it)
};

}  // namespace weft::detail
