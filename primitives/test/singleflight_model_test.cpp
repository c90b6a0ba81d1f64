// Model checks of weft::singleflight (singleflight_scenarios.hpp): one fn per flight, an
// exception reaches every caller without a hang, no result outlives its flight, forget()
// never mixes flights, a recursive call is an error — each beside a mutant it must catch.
#include <gtest/gtest.h>

#include "scenario_driver.hpp"
#include "singleflight_scenarios.hpp"

namespace {

class SingleflightModel : public ::testing::TestWithParam<weft::scenarios::scenario> {};

TEST_P(SingleflightModel, MeetsExpectation) {
  weft::scenarios::expect_meets(GetParam());
}

INSTANTIATE_TEST_SUITE_P(All, SingleflightModel,
                         ::testing::ValuesIn(weft::scenarios::singleflight_scenarios()),
                         weft::scenarios::scenario_test_name);

}  // namespace
