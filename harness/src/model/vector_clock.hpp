// vector_clock.hpp — happens-before bookkeeping for the race detector.
//
// One counter per logical thread; a thread's own entry advances at each release it
// performs, so an access stamped (thread t, counter c) happens before thread u's current
// point iff c <= u.clock[t].
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace weft::model::detail {

// Entries past size() read as 0. Thread records and object records are reused across
// executions, and so is a clock's buffer: clear() forgets the entries but keeps the
// storage, so after the first few executions growing, copying and joining clocks never
// allocate, and none of them goes through std::vector's out-of-line resize.
class vector_clock {
 public:
  vector_clock() = default;
  vector_clock(const vector_clock& other) { *this = other; }
  vector_clock(vector_clock&& other) noexcept
      : c_(std::move(other.c_)), size_(std::exchange(other.size_, 0)) {}
  vector_clock& operator=(vector_clock&& other) noexcept {
    c_ = std::move(other.c_);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }
  vector_clock& operator=(const vector_clock& other) {
    if (this != &other) {
      reserve(other.size_);
      if (other.size_ != 0) std::memcpy(c_.data(), other.c_.data(), other.size_ * sizeof(entry));
      size_ = other.size_;
    }
    return *this;
  }

  std::uint32_t get(std::uint32_t thread) const noexcept { return thread < size_ ? c_[thread] : 0; }
  void set(std::uint32_t thread, std::uint32_t value) {
    if (thread >= size_) grow(thread + 1);
    c_[thread] = value;
  }
  void tick(std::uint32_t thread) { set(thread, get(thread) + 1); }
  // Most joins on the atomic hot path have an empty source (a relaxed write joins
  // fence_release, empty until the thread's first release fence; a relaxed read joins a
  // clock nobody released into): joining nothing changes nothing, so those return before
  // any size check.
  void join(const vector_clock& other) {
    if (other.size_ == 0) return;
    join_nonempty(other);
  }
  void clear() noexcept { size_ = 0; }
  bool empty() const noexcept { return size_ == 0; }

 private:
  using entry = std::uint32_t;

  void reserve(std::uint32_t n) {
    if (n > c_.size()) c_.resize(std::max<std::size_t>(n, 8));
  }
  // Entries are written one by one rather than with std::fill / std::max over ranges:
  // clocks hold a handful of entries, and a library call costs more than the loop.
  void grow(std::uint32_t n) {
    reserve(n);
    for (std::uint32_t i = size_; i < n; ++i) {
      c_[i] = 0;
    }
    size_ = n;
  }
  void join_nonempty(const vector_clock& other) {
    reserve(other.size_);
    const std::uint32_t common = std::min(size_, other.size_);
    for (std::uint32_t i = 0; i < common; ++i) {
      c_[i] = std::max(c_[i], other.c_[i]);
    }
    for (std::uint32_t i = common; i < other.size_; ++i) {
      c_[i] = other.c_[i];
    }
    size_ = std::max(size_, other.size_);
  }

  std::vector<entry> c_;  // storage; only the first size_ entries are meaningful
  std::uint32_t size_ = 0;
};

}  // namespace weft::model::detail
