// weft/gtest.hpp — GoogleTest integration for model (and stress) checks.
//
//   TEST(Queue, NoLostItems) {
//     auto report = weft::model::check({}, [] { ... });
//     EXPECT_TRUE(weft::testing::passed(report));
//   }
//
// `passed(report)` succeeds for a clean report; otherwise its message is the full
// report plus the exact command line that replays the failing schedule:
//   WEFT_REPLAY=w1.... ./build/tests --gtest_filter=Queue.NoLostItems
//
// Including this header also routes GoogleTest failures (EXPECT_*, ASSERT_*) raised
// inside a model execution to the checker, so they fail that execution — with its trace
// and replay token — rather than only the surrounding test.
#pragma once

#include <gtest/gtest.h>

#include "weft/model.hpp"

namespace weft::testing {

// Success when the report is clean; otherwise the report and a replay command.
::testing::AssertionResult passed(const weft::model::report& report);

// Success when the check failed with `kind` (for tests that show a detector works);
// the message then shows what was found.
::testing::AssertionResult failed_with(const weft::model::report& report,
                                       weft::model::failure kind);

// The command that replays `report` in the running test: environment + binary + filter.
std::string replay_command(const weft::model::report& report);

namespace detail {
// noexcept: it runs during static initialisation, where an exception (only bad_alloc
// could come) ends the program anyway; saying so lets the initialiser below be checked.
bool install_listener() noexcept;
inline const bool listener_installed = install_listener();
}  // namespace detail

}  // namespace weft::testing
