// misuse_util.hpp — what the API-misuse targets share: arguments from the edges of their
// types, and the "documented outcome" check.
//
// A misuse target runs a sequential program of valid and invalid calls — one logical
// thread, so an exact model of the primitive predicts every outcome — inside a model
// execution (virtual time: a one-hour timeout costs nothing, and a wait that could never
// end is a deadlock report, not a hang). The only acceptable outcomes are the
// documented ones: success, a documented status, or a documented weft:: exception; any
// other exception fails the execution (uncaught), and a crash, leak or undefined
// behaviour is caught by ASan/UBSan in the fuzz build.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "weft/fuzz.hpp"

namespace weft::fuzz_targets {

// A duration for a timed operation, in one of several representations, from ordinary
// values to the edges of each type (the API takes any std::chrono::duration).
struct any_duration {
  enum class rep : std::uint8_t { ns, hours, seconds_double } kind = rep::ns;
  std::int64_t ns = 0;
  std::int64_t hours = 0;
  double seconds = 0;

  // Whether it is an ordinary timeout, below a day and not negative: the only kind
  // a misuse target lets an operation actually wait for. Others run where they return
  // at once.
  bool ordinary() const {
    switch (kind) {
      case rep::ns:
        return ns >= 0 && ns < 86'400'000'000'000;
      case rep::hours:
        return hours >= 0 && hours < 24;
      case rep::seconds_double:
        return seconds >= 0 && seconds < 86'400;
    }
    return false;
  }
  // NaN seconds: every timed API rejects it with std::invalid_argument before it does
  // anything (weft/detail/deadline.hpp).
  bool is_nan() const { return kind == rep::seconds_double && std::isnan(seconds); }
  // Whether it is zero or negative (a deadline in the past: "now").
  bool not_positive() const {
    switch (kind) {
      case rep::ns:
        return ns <= 0;
      case rep::hours:
        return hours <= 0;
      case rep::seconds_double:
        return !(seconds > 0);
    }
    return true;
  }
  std::string describe() const {
    switch (kind) {
      case rep::ns:
        return std::to_string(ns) + "ns";
      case rep::hours:
        return std::to_string(hours) + "h";
      case rep::seconds_double:
        return std::to_string(seconds) + "s(double)";
    }
    return "?";
  }
  // Calls f with the duration as a std::chrono::duration of its representation.
  template <class F>
  decltype(auto) visit(F&& f) const {
    switch (kind) {
      case rep::hours:
        return f(std::chrono::duration<std::int64_t, std::ratio<3600>>(hours));
      case rep::seconds_double:
        return f(std::chrono::duration<double>(seconds));
      case rep::ns:
        break;
    }
    return f(std::chrono::nanoseconds(ns));
  }
  // The duration in nanoseconds, for ordinary() ones.
  std::chrono::nanoseconds ordinary_ns() const {
    switch (kind) {
      case rep::hours:
        return std::chrono::hours(hours);
      case rep::seconds_double:
        return std::chrono::ceil<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
      case rep::ns:
        break;
    }
    return std::chrono::nanoseconds(ns);
  }
};

// For a NaN duration, runs `call`, which must throw std::invalid_argument (and have done
// nothing), and returns true: the caller then leaves its model unchanged. Otherwise
// returns false without running it.
template <class F>
bool rejects_nan(const any_duration& d, const std::string& where, F&& call) {
  if (!d.is_nan()) {
    return false;
  }
  bool threw = false;
  try {
    call();
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  weft::fuzz::require(threw, where + ": a NaN timeout was not rejected");
  return true;
}

inline any_duration decode_duration(FuzzedDataProvider& in) {
  using L = std::numeric_limits<std::int64_t>;
  using D = std::numeric_limits<double>;
  any_duration d;
  switch (in.ConsumeIntegralInRange<int>(0, 7)) {
    case 0:  // ordinary: up to 2 ms
    case 1:
    case 2:
      d.ns = in.ConsumeIntegralInRange<std::int64_t>(0, 2'000'000);
      break;
    case 3: {  // the edges of int64 nanoseconds
      constexpr std::int64_t kEdges[] = {L::min(), L::min() + 1, -1'000'000'000, -1, 0,
                                         1,        L::max() - 1, L::max()};
      d.ns = in.PickValueInArray(kEdges);
      break;
    }
    case 4:  // any int64 nanoseconds
      d.ns = in.ConsumeIntegral<std::int64_t>();
      break;
    case 5: {  // hours: converting to nanoseconds can overflow
      d.kind = any_duration::rep::hours;
      constexpr std::int64_t kEdges[] = {L::min(), -3'000'000, -1, 0, 1, 3'000'000, L::max()};
      d.hours = in.ConsumeBool() ? in.PickValueInArray(kEdges)
                                 : in.ConsumeIntegralInRange<std::int64_t>(-100, 100);
      break;
    }
    default: {  // floating-point seconds, including the values with no integer meaning
      d.kind = any_duration::rep::seconds_double;
      constexpr double kEdges[] = {D::quiet_NaN(), D::infinity(), -D::infinity(), D::max(),
                                   -D::max(),      1e300,         -1e300,         1e-300,
                                   -0.0,           0.0,           1e-9,           0.5};
      d.seconds = in.ConsumeBool() ? in.PickValueInArray(kEdges)
                                   : in.ConsumeFloatingPointInRange<double>(-10.0, 10.0);
      break;
    }
  }
  return d;
}

}  // namespace weft::fuzz_targets
