// weft/sync/clock.hpp — weft::clock, weft::this_thread::{sleep_for, sleep_until, yield,
// get_id}.
//
// Code under test takes time from weft::clock and sleeps through weft::this_thread so
// that model mode can run it on virtual time: a test that sleeps for an hour runs in
// microseconds and times out exactly when its deadline is the earliest pending one.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>

#if defined(WEFT_NATIVE)

namespace weft {
using clock = std::chrono::steady_clock;
namespace this_thread {
using std::this_thread::sleep_for;
using std::this_thread::sleep_until;
using std::this_thread::yield;
inline std::uint64_t get_id() noexcept {
  return std::hash<std::thread::id>{}(std::this_thread::get_id());
}
}  // namespace this_thread
}  // namespace weft

#else

#include "weft/sync/runtime.hpp"

namespace weft {

inline clock::time_point clock::now() {
  if (auto* rt = detail::active_runtime()) [[unlikely]] {
    return rt->now();
  }
  return time_point(
      std::chrono::duration_cast<duration>(std::chrono::steady_clock::now().time_since_epoch()));
}

namespace detail {

// Converts a deadline on any clock to weft::clock, keeping the remaining time.
template <class Clock, class Duration>
clock::time_point to_weft_deadline(const std::chrono::time_point<Clock, Duration>& tp) {
  if constexpr (std::is_same_v<Clock, weft::clock>) {
    return std::chrono::time_point_cast<clock::duration>(tp);
  } else {
    return clock::now() + std::chrono::duration_cast<clock::duration>(tp - Clock::now());
  }
}

inline std::chrono::steady_clock::time_point to_steady(clock::time_point tp) {
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(tp.time_since_epoch()));
}

}  // namespace detail

namespace this_thread {

inline void yield(source_loc loc = source_loc::current()) {
  if (auto* rt = detail::active_runtime()) [[unlikely]] {
    rt->yield(loc);
    return;
  }
  std::this_thread::yield();
}

template <class Clock, class Duration>
void sleep_until(const std::chrono::time_point<Clock, Duration>& tp,
                 source_loc loc = source_loc::current()) {
  if (auto* rt = detail::active_runtime()) [[unlikely]] {
    rt->sleep_until(detail::to_weft_deadline(tp), loc);
    return;
  }
  if constexpr (std::is_same_v<Clock, weft::clock>) {
    std::this_thread::sleep_until(detail::to_steady(tp));
  } else {
    std::this_thread::sleep_until(tp);
  }
}

template <class Rep, class Period>
void sleep_for(const std::chrono::duration<Rep, Period>& d,
               source_loc loc = source_loc::current()) {
  if (auto* rt = detail::active_runtime()) [[unlikely]] {
    rt->sleep_until(clock::now() + std::chrono::duration_cast<clock::duration>(d), loc);
    return;
  }
  std::this_thread::sleep_for(d);
}

// A number identifying the calling thread (the logical thread under the model backend).
inline std::uint64_t get_id() {
  if (auto* rt = detail::active_runtime()) [[unlikely]] {
    return rt->thread_id();
  }
  return std::hash<std::thread::id>{}(std::this_thread::get_id());
}

}  // namespace this_thread
}  // namespace weft

#endif  // WEFT_NATIVE
