// weft/prop/gtest.hpp — GoogleTest assertions for property results.
//
//   TEST(Queue, Linearizable) {
//     EXPECT_TRUE(weft::testing::passed(weft::prop::check(queue_spec())));
//   }
//   TEST(Queue, BrokenQueueIsCaught) {          // a mutant must fail, and how
//     auto r = weft::prop::check(broken_queue_spec());
//     EXPECT_TRUE(weft::testing::found(r, weft::prop::violation::not_linearizable));
//   }
//
// passed() prints the full report on failure: the shrunk scenario in columns, the
// results, the history, why no linearization exists, the model-check trace, and the
// RC_PARAMS / WEFT_REPLAY line that reproduces it.
#pragma once

#include <gtest/gtest.h>

#include "weft/gtest.hpp"
#include "weft/prop/runner.hpp"

namespace weft::testing {

namespace detail {
// The result with the test binary and --gtest_filter as its reproduce command.
inline weft::prop::result with_command(weft::prop::result r) {
  weft::model::report fake;
  fake.replay = "x";
  const std::string cmd = replay_command(fake);  // "WEFT_REPLAY=x <binary> --gtest_filter=..."
  const std::size_t space = cmd.find(' ');
  if (space != std::string::npos) r.command = cmd.substr(space + 1);
  return r;
}
}  // namespace detail

inline ::testing::AssertionResult passed(const weft::prop::result& r) {
  if (r.ok) return ::testing::AssertionSuccess() << r;
  return ::testing::AssertionFailure() << detail::with_command(r);
}

// Success when the check failed with a violation of `kind` (for mutant tests).
inline ::testing::AssertionResult found(const weft::prop::result& r, weft::prop::violation kind) {
  if (!r.ok && r.failure && r.failure->kind == kind) return ::testing::AssertionSuccess() << r;
  return ::testing::AssertionFailure()
         << "expected the property to fail with '" << weft::prop::to_string(kind) << "', got:\n"
         << detail::with_command(r);
}

}  // namespace weft::testing
