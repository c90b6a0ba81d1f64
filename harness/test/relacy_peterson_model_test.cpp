// weft's model mode on Peterson's lock (relacy/peterson.hpp) — its blind spot, kept as a
// test so the documentation stays true: model mode explores interleavings under
// sequential consistency, and under sequential consistency the acquire/release version
// is a correct lock, so even an exhaustive search passes it. Relacy, which simulates
// the C++ memory model, finds both threads in the critical section
// (relacy/peterson_relacy_test.cpp). If this test ever fails, model mode has learned to
// see store buffering: update docs/relacy.md ("when you need weak-memory checking").
//
// Also the model-mode half of the fixed-thread adapter: the same struct runs under
// weft::model::check through weft::run_fixed_threads and under weft::relacy::check.
#include <gtest/gtest.h>

#include <cstdio>

#include "relacy/peterson.hpp"
#include "weft/fixed_threads.hpp"
#include "weft/gtest.hpp"
#include "weft/model.hpp"

namespace {

weft::model::options exhaustive() {
  weft::model::options o;
  o.strategy = weft::model::strategy::dfs;
  o.preemption_bound = -1;
  o.max_schedules = 5'000'000;
  o.use_environment = false;
  return o;
}

weft::model::options random_search() {
  weft::model::options o;
  o.strategy = weft::model::strategy::random;
  o.seed = 1;
  o.max_schedules = 20'000;
  o.use_environment = false;
  return o;
}

TEST(RelacyBlindSpot, PetersonAcquireReleasePassesInModelModeExhaustively) {
  const auto r =
      weft::model::check(exhaustive(), weft::run_fixed_threads<weft_test::peterson_acq_rel>);
  EXPECT_TRUE(weft::testing::passed(r));
  EXPECT_TRUE(r.exhausted) << r.schedules << " schedules";
  EXPECT_GT(r.schedules, 10u);
  std::printf("peterson acq/rel: %zu schedules, exhausted\n", r.schedules);
}

TEST(RelacyBlindSpot, PetersonAcquireReleasePassesInModelModeRandom) {
  const auto r =
      weft::model::check(random_search(), weft::run_fixed_threads<weft_test::peterson_acq_rel>);
  EXPECT_TRUE(weft::testing::passed(r));
}

TEST(RelacyBlindSpot, PetersonSeqCstPassesInModelMode) {
  const auto r =
      weft::model::check(exhaustive(), weft::run_fixed_threads<weft_test::peterson_seq_cst>);
  EXPECT_TRUE(weft::testing::passed(r));
  EXPECT_TRUE(r.exhausted);
}

// Without any lock the same shape is caught by model mode: the adapter runs the threads
// for real (no vacuous pass).
struct no_lock {
  static constexpr int threads = 2;
  weft::var<int> shared{0};
  void thread(int) { shared.store(shared.load() + 1); }
};

TEST(RelacyBlindSpot, FixedThreadAdapterRunsTheThreadsInModelMode) {
  const auto r = weft::model::check(random_search(), weft::run_fixed_threads<no_lock>);
  EXPECT_TRUE(weft::testing::failed_with(r, weft::model::failure::data_race));
}

}  // namespace
