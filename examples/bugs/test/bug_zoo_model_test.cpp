// The bug zoo's evidence: each bug is found by its finder — the default strategy
// (random) unless the exhibit names pct — within its stated budget and with exactly the
// expected failure kind; the failing schedule replays; each fixed twin passes a
// preemption-bounded dfs (bound 2), an unbounded dfs where that fits, and 1,000 random
// schedules.
//
// Compiled twice: per commit (label `model`) for every exhibit except the `nightly`
// ones, which get only a smoke check of their twin; and with WEFT_ZOO_NIGHTLY (labels
// `model;nightly`) for the full checks of the `nightly` exhibits.
//
// Every check bounds itself (max_schedules, max_steps), so nothing here can hang. The
// environment knobs (WEFT_SEED, ...) are ignored: the budgets are stated for these seeds.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "weft/gtest.hpp"
#include "weft/model.hpp"
#include "weft_bugs/zoo.hpp"

namespace weft_bugs {
// Names the exhibit in gtest's messages instead of dumping its bytes.
void PrintTo(const bug& b, std::ostream* os) {
  *os << b.name;
}
}  // namespace weft_bugs

namespace {

using weft::model::check;
using weft::model::options;
using weft::model::strategy;
using weft::testing::failed_with;
using weft::testing::passed;
using weft_bugs::bug;

#if defined(WEFT_ZOO_NIGHTLY)
constexpr bool nightly_build = true;
#else
constexpr bool nightly_build = false;
#endif

constexpr std::uint64_t seed = 1;
constexpr int dfs_preemption_bound = 2;
constexpr std::size_t fixed_random_schedules = 1000;
constexpr std::size_t smoke_schedules = 20;

std::vector<bug> exhibits(bool nightly) {
  std::vector<bug> out;
  for (const bug& b : weft_bugs::all_bugs()) {
    if (b.nightly == nightly) {
      out.push_back(b);
    }
  }
  return out;
}

std::string param_name(const ::testing::TestParamInfo<bug>& info) {
  return info.param.name;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

options fixed_dfs(const bug& b, int preemption_bound, std::size_t schedules = 0) {
  options o = weft_bugs::options_for(b, seed);
  o.strategy = strategy::dfs;
  o.preemption_bound = preemption_bound;
  o.max_schedules = schedules != 0 ? schedules : b.fixed_budget;
  return o;
}

options fixed_random(const bug& b, std::size_t schedules) {
  options o = weft_bugs::options_for(b, seed);
  o.strategy = strategy::random;
  o.max_schedules = schedules;
  return o;
}

class BugZoo : public ::testing::TestWithParam<bug> {};

// (1) The finder finds the bug within the budget and reports exactly the expected kind;
// the failing schedule's token then replays the same failure in one execution.
TEST_P(BugZoo, FoundWithinBudgetAndReplays) {
  const bug& b = GetParam();
  const auto start = std::chrono::steady_clock::now();
  const auto found = check(weft_bugs::options_for(b, seed), b.buggy);
  ASSERT_TRUE(failed_with(found, b.kind))
      << "strategy " << weft::model::to_string(b.finder) << ", budget " << b.budget;
  EXPECT_LE(found.schedules, b.budget);
  RecordProperty("schedules_to_first_bug", std::to_string(found.schedules));
  std::printf(
      "[   zoo    ] %-30s %-18s found by %-6s after %6zu schedule(s) (budget %zu, %.2f s)\n",
      b.name, std::string(weft::model::to_string(found.kind)).c_str(),
      std::string(weft::model::to_string(b.finder)).c_str(), found.schedules, b.budget,
      seconds_since(start));

  options o = weft_bugs::options_for(b, seed);
  o.replay = found.replay;
  const auto again = check(o, b.buggy);
  EXPECT_TRUE(failed_with(again, b.kind));
  EXPECT_EQ(again.schedules, 1u);
  EXPECT_EQ(again.message, found.message);
}

// (2a) The fixed twin passes a dfs with at most two preemptions — complete where the
// exhibit's coverage is `exhaustive`; otherwise checked up to the twin's budget (bounded
// dfs does not prune, so its space can exceed the pruned unbounded one).
TEST_P(BugZoo, FixedPassesBoundedDfs) {
  const bug& b = GetParam();
  const auto start = std::chrono::steady_clock::now();
  const auto r = check(fixed_dfs(b, dfs_preemption_bound), b.fixed);
  EXPECT_TRUE(passed(r));
  if (b.coverage == weft_bugs::coverage::exhaustive) {
    EXPECT_TRUE(r.exhausted) << r;
  }
  RecordProperty("dfs_schedules", std::to_string(r.schedules));
  std::printf("[   zoo    ] %-30s fixed twin: dfs bound %d, %6zu schedule(s), %s (%.2f s)\n",
              b.name, dfs_preemption_bound, r.schedules,
              r.exhausted ? "exhausted" : "budget reached", seconds_since(start));
}

// (2b) Where it fits, the fixed twin also passes an unbounded (exhaustive) dfs: the
// strongest evidence — every schedule, up to reordering independent operations.
TEST_P(BugZoo, FixedPassesExhaustiveDfs) {
  const bug& b = GetParam();
  if (b.coverage == weft_bugs::coverage::sampled) {
    GTEST_SKIP() << "the unbounded space does not fit in " << b.fixed_budget << " schedules";
  }
  const auto start = std::chrono::steady_clock::now();
  const auto r = check(fixed_dfs(b, -1), b.fixed);
  EXPECT_TRUE(passed(r));
  EXPECT_TRUE(r.exhausted) << r;
  std::printf("[   zoo    ] %-30s fixed twin: dfs unbounded, %6zu schedule(s), %s (%.2f s)\n",
              b.name, r.schedules, r.exhausted ? "exhausted" : "budget reached",
              seconds_since(start));
}

// (2c) ... and 1,000 random schedules.
TEST_P(BugZoo, FixedPassesRandom) {
  const bug& b = GetParam();
  const auto r = check(fixed_random(b, fixed_random_schedules), b.fixed);
  EXPECT_TRUE(passed(r));
  EXPECT_EQ(r.schedules, fixed_random_schedules);
}

// (3) Scheduling only at synchronisation (options::schedule_var_accesses = false) finds
// the same bug, of the same kind, within the same budget, and the fixed twin passes the
// same bounded dfs. Where the exhibit says the finder does not (found_with_sync_points_
// only: twostage_100, which PCT samples worse in that mode), only a failure of another
// kind fails.
TEST_P(BugZoo, SyncPointsOnlyFindTheBugAndPassTheTwin) {
  const bug& b = GetParam();
  options o = weft_bugs::options_for(b, seed);
  o.schedule_var_accesses = false;
  const auto found = check(o, b.buggy);
  if (!b.found_with_sync_points_only) {
    EXPECT_TRUE(found.ok() || found.kind == b.kind) << found;
  } else {
    EXPECT_TRUE(failed_with(found, b.kind)) << found;
    EXPECT_LE(found.schedules, b.budget);
  }
  options f = fixed_dfs(b, dfs_preemption_bound);
  f.schedule_var_accesses = false;
  const auto r = check(f, b.fixed);
  EXPECT_TRUE(passed(r));
  if (b.coverage == weft_bugs::coverage::exhaustive) {
    EXPECT_TRUE(r.exhausted) << r;
  }
  std::printf(
      "[   zoo    ] %-30s sync points only: %s after %6zu schedule(s); fixed twin: "
      "dfs bound %d, %6zu schedule(s)\n",
      b.name, found.ok() ? "not found" : "found", found.schedules, dfs_preemption_bound,
      r.schedules);
}

INSTANTIATE_TEST_SUITE_P(Zoo, BugZoo, ::testing::ValuesIn(exhibits(nightly_build)), param_name);

#if !defined(WEFT_ZOO_NIGHTLY)

// Here, not with the others: the nightly build of this file does not name it.
using weft::model::failure;

TEST(BugZooRegistry, IsComplete) {
  const auto bugs = weft_bugs::all_bugs();
  EXPECT_GE(bugs.size(), 22u);
  std::set<std::string> names;
  std::set<failure> kinds;
  for (const bug& b : bugs) {
    EXPECT_TRUE(names.insert(b.name).second) << "duplicate name " << b.name;
    EXPECT_NE(b.kind, failure::none) << b.name;
    EXPECT_NE(b.buggy, nullptr) << b.name;
    EXPECT_NE(b.fixed, nullptr) << b.name;
    EXPECT_EQ(weft_bugs::find_bug(b.name), &b);
    kinds.insert(b.kind);
  }
  EXPECT_EQ(weft_bugs::find_bug("no such bug"), nullptr);
  for (failure k : {failure::assertion, failure::deadlock, failure::data_race, failure::livelock,
                    failure::uncaught_exception, failure::leaked_thread}) {
    EXPECT_EQ(kinds.count(k), 1u) << "no exhibit for " << weft::model::to_string(k);
  }
}

// Per commit, the nightly exhibits' twins get a smoke check (a few schedules each way).
class BugZooSmoke : public ::testing::TestWithParam<bug> {};

TEST_P(BugZooSmoke, FixedTwinRuns) {
  const bug& b = GetParam();
  EXPECT_TRUE(passed(check(fixed_dfs(b, dfs_preemption_bound, smoke_schedules), b.fixed)));
  EXPECT_TRUE(passed(check(fixed_random(b, smoke_schedules), b.fixed)));
}

INSTANTIATE_TEST_SUITE_P(NightlyExhibits, BugZooSmoke, ::testing::ValuesIn(exhibits(true)),
                         param_name);

// Known gap, kept visible (run with --gtest_also_run_disabled_tests): the default
// strategy's uniform random walk does not find the many-thread exhibits whose finder is
// pct within 10,000 schedules (see docs/bug-zoo.md). Enable when it does.
TEST(BugZooRegistry, DISABLED_DefaultStrategyFindsEveryBug) {
  for (const bug& b : weft_bugs::all_bugs()) {
    if (b.finder == strategy::random) {
      continue;
    }
    options o = weft_bugs::options_for(b, seed);
    o.strategy = strategy::random;
    o.max_schedules = 10'000;
    EXPECT_TRUE(failed_with(check(o, b.buggy), b.kind)) << b.name;
  }
}

#endif  // !WEFT_ZOO_NIGHTLY

}  // namespace
