// Model checks of weft::errgroup (errgroup_scenarios.hpp): the first error wins, cancels
// the rest and is reported only after every subtask ended; the limit is never exceeded —
// each beside a mutant the same check must catch.
#include <gtest/gtest.h>

#include "errgroup_scenarios.hpp"
#include "scenario_driver.hpp"

namespace {

class ErrgroupModel : public ::testing::TestWithParam<weft::scenarios::scenario> {};

TEST_P(ErrgroupModel, MeetsExpectation) {
  weft::scenarios::expect_meets(GetParam());
}

INSTANTIATE_TEST_SUITE_P(All, ErrgroupModel,
                         ::testing::ValuesIn(weft::scenarios::errgroup_scenarios()),
                         weft::scenarios::scenario_test_name);

}  // namespace
