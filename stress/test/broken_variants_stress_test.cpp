// The deliberately broken components of stress/src/variants.hpp, kept as tests: with
// delay injection each broken one must fail within a bounded number of rounds, with the
// failure kind its bug produces; each fixed twin must pass. (How often each fails with
// and without injection: weft_stress_rates, docs/stress.md.)
//
// The "caught" tests ignore the WEFT_STRESS_* knobs (a nightly budget must not shrink
// the bound) but keep a fixed seed, so a run that misses prints what to re-run.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "stress_suite.hpp"
#include "variants.hpp"
#include "weft/stress.hpp"

namespace weft::stress_variants {
// How GoogleTest shows a parameter.
inline void PrintTo(const variant& v, std::ostream* os) {
  *os << v.name;
}
}  // namespace weft::stress_variants

namespace {

using weft::stress_variants::variant;

// Rounds within which injection must catch a broken variant. Measured rates (Debug,
// Release and TSan on 2 cores) put the expected first failure within a few dozen
// rounds; the bound leaves a wide margin so the test does not flake on a loaded machine.
constexpr std::size_t kCatchWithin = 5000;

class BrokenVariant : public ::testing::TestWithParam<variant> {};

TEST_P(BrokenVariant, InjectionCatchesTheBrokenOne) {
  const variant& v = GetParam();
  const weft::stress::report r =
      weft::stress::run(weft::stress_suite::mutant_budget(std::string(v.name) + " (broken)",
                                                          kCatchWithin, 20240601, v.hang_seconds),
                        v.broken);
  ASSERT_FALSE(r.ok()) << v.name << " was not caught in " << r.iterations << " rounds\n" << r;
  EXPECT_EQ(r.kind, v.kind) << r;
  std::cout << v.name << " caught as expected:\n" << r;
}

TEST_P(BrokenVariant, FixedTwinPasses) {
  const variant& v = GetParam();
  weft::stress::options o = weft::stress_suite::budget(std::string(v.name) + " (fixed)", 500);
  o.hang_seconds = 20;
  const weft::stress::report r = weft::stress::run(o, v.fixed);
  EXPECT_TRUE(weft::stress_suite::passed(r));
}

INSTANTIATE_TEST_SUITE_P(Variants, BrokenVariant, ::testing::ValuesIn(weft::stress_variants::all()),
                         [](const ::testing::TestParamInfo<variant>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
