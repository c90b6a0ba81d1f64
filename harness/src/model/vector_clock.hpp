// vector_clock.hpp — happens-before bookkeeping for the race detector.
//
// One counter per logical thread; a thread's own entry advances at each release it
// performs, so an access stamped (thread t, counter c) happens before thread u's current
// point iff c <= u.clock[t].
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace weft::model::detail {

class vector_clock {
 public:
  std::uint32_t get(std::uint32_t thread) const noexcept {
    return thread < c_.size() ? c_[thread] : 0;
  }
  void set(std::uint32_t thread, std::uint32_t value) {
    if (thread >= c_.size()) c_.resize(thread + 1, 0);
    c_[thread] = value;
  }
  void tick(std::uint32_t thread) { set(thread, get(thread) + 1); }
  // Most joins on the atomic hot path have an empty source (a relaxed write joins
  // fence_release, empty until the thread's first release fence; a relaxed read joins a
  // clock nobody released into): joining nothing changes nothing, so those return before
  // any size check or resize.
  void join(const vector_clock& other) {
    if (other.c_.empty()) return;
    join_nonempty(other);
  }
  void clear() noexcept { c_.clear(); }
  bool empty() const noexcept { return c_.empty(); }

 private:
  void join_nonempty(const vector_clock& other) {
    if (other.c_.size() > c_.size()) c_.resize(other.c_.size(), 0);
    for (std::size_t i = 0; i < other.c_.size(); ++i)
      c_[i] = std::max(c_[i], other.c_[i]);
  }

  std::vector<std::uint32_t> c_;
};

}  // namespace weft::model::detail
