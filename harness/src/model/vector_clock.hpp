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
  void join(const vector_clock& other) {
    if (other.c_.size() > c_.size()) c_.resize(other.c_.size(), 0);
    for (std::size_t i = 0; i < other.c_.size(); ++i)
      c_[i] = std::max(c_[i], other.c_[i]);
  }
  void clear() noexcept { c_.clear(); }
  bool empty() const noexcept { return c_.empty(); }

 private:
  std::vector<std::uint32_t> c_;
};

}  // namespace weft::model::detail
