// Helpers of the model tests of the pools, errgroup, semaphore and rate limiter.
// expect_meets() runs a model-checking scenario (model_scenarios.hpp's `scenario`) as one
// GoogleTest case: a scenario expected to pass must pass, one built on a mutant must be
// caught with the expected diagnosis. on_virtual_time() runs a unit test's body on
// virtual time.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <functional>
#include <iostream>
#include <string>

#include "model_scenarios.hpp"
#include "weft/gtest.hpp"
#include "weft/model.hpp"

namespace weft::scenarios {

// Schedule budgets of the per-commit model tests. The nightly builds of the same tests
// (compiled with WEFT_NIGHTLY_BUDGET, ctest label `nightly`) explore 20 times more, with
// a dfs preemption bound one higher.
inline std::size_t budget(std::size_t per_commit) {
#if defined(WEFT_NIGHTLY_BUDGET)
  return per_commit * 20;
#else
  return per_commit;
#endif
}

// Preemption bound of the dfs checks: one more in the nightly builds.
inline int bound(int per_commit) {
#if defined(WEFT_NIGHTLY_BUDGET)
  return per_commit + 1;
#else
  return per_commit;
#endif
}

inline weft::model::options pct_search(std::size_t budget, int depth = 3) {
  weft::model::options o;
  o.strategy = weft::model::strategy::pct;
  o.pct_depth = depth;
  o.max_schedules = budget;
  o.use_environment = false;
  o.seed = 1;
  return o;
}

// Runs `body` once under the model checker — virtual time, one deterministic schedule —
// for unit tests of timing rules ("times out after exactly 5 s"). Without spurious
// wake-ups: after one, a wait loop re-checking an atomic flag counts as a spin for the
// checker, which may then move virtual time past the deadline that loop waits for next,
// so the wait returns late (reported to the harness; see rate_limiter_scenarios.hpp).
inline void on_virtual_time(std::function<void()> body) {
  weft::model::options o;
  o.max_schedules = 1;
  o.seed = 1;
  o.spurious_wakeups = false;
  o.use_environment = false;
  EXPECT_TRUE(weft::testing::passed(weft::model::check(o, std::move(body))));
}

inline void expect_meets(const scenario& s) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = weft::model::check(s.opts, s.body);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (s.expected == weft::model::failure::none) {
    EXPECT_TRUE(weft::testing::passed(r)) << s.component << ": " << s.name;
  } else {
    EXPECT_TRUE(weft::testing::failed_with(r, s.expected)) << s.component << ": " << s.name;
  }
  std::cout << "[ model    ] " << s.component << ": " << s.name << " — " << r.schedules
            << " schedules" << (r.exhausted ? " (space exhausted)" : "") << ", "
            << weft::model::to_string(r.kind) << ", " << secs << " s\n";
}

inline std::string scenario_test_name(const ::testing::TestParamInfo<scenario>& info) {
  std::string out;
  for (char c : info.param.component + "_" + info.param.name) {
    out += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
  }
  return out + "_" + std::to_string(info.index);
}

}  // namespace weft::scenarios
