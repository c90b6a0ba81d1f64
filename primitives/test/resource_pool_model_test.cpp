// Model checks of weft::resource_pool (resource_pool_scenarios.hpp): never more than
// max_size resources exist, a resource is never leased to two holders at once, discards
// and factory failures free their slot, close() wakes every waiter — each beside a mutant
// the same check must catch.
#include <gtest/gtest.h>

#include "resource_pool_scenarios.hpp"
#include "scenario_driver.hpp"

namespace {

class ResourcePoolModel : public ::testing::TestWithParam<weft::scenarios::scenario> {};

TEST_P(ResourcePoolModel, MeetsExpectation) {
  weft::scenarios::expect_meets(GetParam());
}

INSTANTIATE_TEST_SUITE_P(All, ResourcePoolModel,
                         ::testing::ValuesIn(weft::scenarios::resource_pool_scenarios()),
                         weft::scenarios::scenario_test_name);

}  // namespace
