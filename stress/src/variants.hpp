// variants.hpp — deliberately broken components, each beside its fixed twin: the
// evidence that delay injection matters.
//
// Every component is small, written on the sync facade the way user code is, and free
// of data races (so the suites also pass under ThreadSanitizer): the bugs are atomicity
// and ordering bugs that only a particular interleaving on real threads exposes —
//
//   check_then_act   a ticket dispenser tests the count, then takes a ticket
//   lost_wakeup      a queue's consumer checks for items and goes to sleep in two steps
//   publish_early    a double-checked lazy value sets `ready` before it stores the value
//   two_step         a transfer between two accounts is two separately locked steps
//   last_one_out     workers count down and the one that "sees zero" closes a channel
//
// A variant's round builds the component, runs it on a few weft::threads and checks
// the result with WEFT_ASSERT, so a failing round is an `assertion` (or a `hang` for
// the lost wake-up, an `uncaught_exception` for the double close) of weft::stress::run.
//
// Used by stress/test/broken_variants_stress_test.cpp (injection catches every broken
// variant within a bounded number of rounds; the fixed twins pass) and by
// weft_stress_rates (stress/rates.cpp: failures per 1,000 rounds with and without
// injection, the table in docs/stress.md).
#pragma once

#include <string_view>
#include <vector>

#include "weft/stress.hpp"

namespace weft::stress_variants {

struct variant {
  const char* name;            // short id, e.g. "check_then_act"
  const char* bug;             // what is wrong, one line
  const char* symptom;         // how a failing round shows
  weft::stress::failure kind;  // ... as the runner reports it
  void (*broken)();            // one round on the broken component
  void (*fixed)();             // the same round on its fixed twin
  double hang_seconds;         // watchdog limit suited to the round (a lost wake-up hangs)
};

// Every variant, in a fixed order.
const std::vector<variant>& all();

// The variant called `name`, or nullptr.
const variant* find(std::string_view name);

}  // namespace weft::stress_variants
