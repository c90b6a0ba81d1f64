// Model checks of weft::weighted_semaphore (semaphore_scenarios.hpp): never over-admits,
// FIFO, waiters that leave wake the ones behind them, a release racing a cancellation
// loses nothing — each beside a mutant it must catch.
#include <gtest/gtest.h>

#include "scenario_driver.hpp"
#include "semaphore_scenarios.hpp"

namespace {

class SemaphoreModel : public ::testing::TestWithParam<weft::scenarios::scenario> {};

TEST_P(SemaphoreModel, MeetsExpectation) {
  weft::scenarios::expect_meets(GetParam());
}

INSTANTIATE_TEST_SUITE_P(All, SemaphoreModel,
                         ::testing::ValuesIn(weft::scenarios::semaphore_scenarios()),
                         weft::scenarios::scenario_test_name);

}  // namespace
