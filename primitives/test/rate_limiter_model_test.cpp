// Model checks of weft::rate_limiter on virtual time (rate_limiter_scenarios.hpp): in
// every window of time the admitted events stay within burst + rate x window, under every
// explored interleaving of allow / wait / reserve / cancel / wait(ctx) — beside mutants
// the same checks must catch.
#include <gtest/gtest.h>

#include "rate_limiter_scenarios.hpp"
#include "scenario_driver.hpp"

namespace {

class RateLimiterModel : public ::testing::TestWithParam<weft::scenarios::scenario> {};

TEST_P(RateLimiterModel, MeetsExpectation) {
  weft::scenarios::expect_meets(GetParam());
}

INSTANTIATE_TEST_SUITE_P(All, RateLimiterModel,
                         ::testing::ValuesIn(weft::scenarios::rate_limiter_scenarios()),
                         weft::scenarios::scenario_test_name);

}  // namespace
