// Model checks of weft::cache (cache_scenarios.hpp): bounded at quiescence, a get sees only
// current values, a put during a load wins, one load per key under contention, exact expiry
// on virtual time, values copied under the lock — each beside a mutant it must catch.
#include <gtest/gtest.h>

#include "cache_scenarios.hpp"
#include "scenario_driver.hpp"

namespace {

class CacheModel : public ::testing::TestWithParam<weft::scenarios::scenario> {};

TEST_P(CacheModel, MeetsExpectation) {
  weft::scenarios::expect_meets(GetParam());
}

INSTANTIATE_TEST_SUITE_P(All, CacheModel, ::testing::ValuesIn(weft::scenarios::cache_scenarios()),
                         weft::scenarios::scenario_test_name);

}  // namespace
