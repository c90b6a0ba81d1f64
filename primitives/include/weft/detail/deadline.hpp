// weft/detail/deadline.hpp — converting timeouts and foreign-clock deadlines to
// weft::clock deadlines, saturating instead of overflowing (a timeout of
// duration::max() means "practically never", not a deadline in the past).
#pragma once

#include <chrono>
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

// now + d, rounded up to the clock's resolution; negative durations mean "now".
template <class Rep, class Period>
time_point deadline_after(const std::chrono::duration<Rep, Period>& d) {
  using D = weft::clock::duration;
  const auto now = weft::clock::now();
  // Durations longer than weft::clock can represent saturate.
  if (std::chrono::duration<double, std::nano>(d).count() >=
      static_cast<double>(D::max().count())) {
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
    return deadline_after(tp - Clock::now());
  }
}

}  // namespace weft::detail
