// Model checks of weft::worker_pool (worker_pool_scenarios.hpp): accepted tasks run
// exactly once and rejected ones never, shutdown drains, shutdown_now returns exactly the
// unstarted tasks, the worker count stays within [min, max], and submit / resize /
// shutdown together never deadlock — each beside a mutant the same check must catch.
#include <gtest/gtest.h>

#include "scenario_driver.hpp"
#include "worker_pool_scenarios.hpp"

namespace {

class WorkerPoolModel : public ::testing::TestWithParam<weft::scenarios::scenario> {};

TEST_P(WorkerPoolModel, MeetsExpectation) {
  weft::scenarios::expect_meets(GetParam());
}

INSTANTIATE_TEST_SUITE_P(All, WorkerPoolModel,
                         ::testing::ValuesIn(weft::scenarios::worker_pool_scenarios()),
                         weft::scenarios::scenario_test_name);

}  // namespace
