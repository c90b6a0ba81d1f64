// weft/detail/deadline.hpp — converting timeouts and foreign-clock deadlines to
// weft::clock deadlines, saturating instead of overflowing (a timeout of
// duration::max() means "practically never", not a deadline in the past).
#pragma once

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <type_traits>

#include "weft/sync.hpp"

namespace weft::detail {

using time_point = weft::clock::time_point;

inline constexpr time_point kNoDeadline = time_point::max();

inline time_point add_saturating(time_point base, weft::clock::duration d) noexcept {
  if (d <= weft::clock::duration::zero()) {
    return base;
  }
  if (base.time_since_epoch() > time_point::max().time_since_epoch() - d) {
    return kNoDeadline;
  }
  return base + d;
}

// now + d, rounded up to the clock's resolution; negative durations mean "now", durations
// beyond what weft::clock can represent saturate, and a NaN duration is rejected with
// std::invalid_argument. The range checks happen in double before any conversion, since
// converting an out-of-range duration (hours::min(), 1e30 s) to nanoseconds is undefined.
template <class Rep, class Period>
time_point deadline_after(const std::chrono::duration<Rep, Period>& d) {
  using D = weft::clock::duration;
  const double ns = std::chrono::duration<double, std::nano>(d).count();
  if (std::isnan(ns)) {
    throw std::invalid_argument("weft: a timeout of NaN");
  }
  const auto now = weft::clock::now();
  if (ns <= 0) {
    return now;
  }
  // 2^63 as a double; every double below it converts to int64 without overflow.
  if (ns >= static_cast<double>(D::max().count())) {
    return kNoDeadline;
  }
  return add_saturating(now, std::chrono::ceil<D>(d));
}

// A deadline on any clock as a weft::clock deadline with the same remaining time.
template <class Clock, class Duration>
time_point to_deadline(const std::chrono::time_point<Clock, Duration>& tp) {
  if constexpr (std::is_same_v<Clock, weft::clock>) {
    return std::chrono::time_point_cast<weft::clock::duration>(tp);
  } else {
    // tp - now may overflow for far-away points (time_point::min()): compare first.
    const auto now = Clock::now();
    using CD = typename std::chrono::time_point<Clock, Duration>::duration;
    const auto now_d = std::chrono::time_point_cast<CD>(now);
    if (tp <= now_d) {
      return weft::clock::now();
    }
    if (now_d.time_since_epoch() < CD::zero() &&
        tp.time_since_epoch() > CD::max() + now_d.time_since_epoch()) {
      return kNoDeadline;
    }
    return deadline_after(tp - now_d);
  }
}

}  // namespace weft::detail
