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

#elif defined(WEFT_RELACY)

// Relacy flavour: weft::clock is the iteration's logical clock (weft/relacy/session.hpp):
// 0 when the iteration starts, moved forward only by sleeps and by timed waits that
// time out, each to its deadline. yield() and sleeps are Relacy yields (a scheduling
// point that lets the other threads run first).
// (weft/sync/runtime.hpp, the hook interface of weft's own backends, is not part of
// this flavour; weft::clock is declared here with the same members.)
#include "weft/relacy/session.hpp"

namespace weft {

struct clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<clock, duration>;
  static constexpr bool is_steady = true;
  static time_point now() {
    return time_point(duration(relacy::detail::now_ns(source_loc::current())));
  }
};

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

}  // namespace detail

namespace this_thread {

inline void yield(source_loc loc = source_loc::current()) {
  relacy::detail::yield(loc);
}

template <class Clock, class Duration>
void sleep_until(const std::chrono::time_point<Clock, Duration>& tp,
                 source_loc loc = source_loc::current()) {
  relacy::detail::sleep_until(detail::to_weft_deadline(tp).time_since_epoch().count(), loc);
}

template <class Rep, class Period>
void sleep_for(const std::chrono::duration<Rep, Period>& d,
               source_loc loc = source_loc::current()) {
  sleep_until(clock::now() + std::chrono::ceil<clock::duration>(d), loc);
}

// Relacy's thread index + 1 (the static threads first, then the dynamic ones).
inline std::uint64_t get_id() {
  return relacy::detail::thread_id();
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
