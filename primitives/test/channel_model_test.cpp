// Model checks of the channel, select and context: each scenario runs on the primitive
// (it must pass — exhaustively within its preemption bound where the space is small) and
// on a deliberately broken variant (it must be caught with the right diagnosis).
#include <gtest/gtest.h>

#include "model_scenarios.hpp"
#include "weft/gtest.hpp"

namespace {

class PrimitiveModel : public ::testing::TestWithParam<weft::scenarios::scenario> {};

TEST_P(PrimitiveModel, MeetsExpectation) {
  const auto& s = GetParam();
  const auto r = weft::model::check(s.opts, s.body);
  if (s.expected == weft::model::failure::none) {
    EXPECT_TRUE(weft::testing::passed(r)) << s.component << ": " << s.name;
  } else {
    EXPECT_TRUE(weft::testing::failed_with(r, s.expected)) << s.component << ": " << s.name;
  }
  std::cout << "[ model    ] " << s.component << ": " << s.name << " — " << r.schedules
            << " schedules" << (r.exhausted ? " (space exhausted)" : "") << ", "
            << weft::model::to_string(r.kind) << "\n";
}

// The same scenario scheduling only at synchronisation (options::schedule_var_accesses =
// false): the primitives keep their state in weft::vars under their locks, so the
// reduction must change no verdict — the correct ones pass, the mutants are caught with
// the same diagnosis.
TEST_P(PrimitiveModel, MeetsExpectationWithSyncPointsOnly) {
  const auto& s = GetParam();
  weft::model::options o = s.opts;
  o.schedule_var_accesses = false;
  const auto r = weft::model::check(o, s.body);
  if (s.expected == weft::model::failure::none) {
    EXPECT_TRUE(weft::testing::passed(r)) << s.component << ": " << s.name;
  } else {
    EXPECT_TRUE(weft::testing::failed_with(r, s.expected)) << s.component << ": " << s.name;
  }
  std::cout << "[ model    ] " << s.component << ": " << s.name << " (sync points only) — "
            << r.schedules << " schedules" << (r.exhausted ? " (space exhausted)" : "") << ", "
            << weft::model::to_string(r.kind) << "\n";
}

std::string param_name(const ::testing::TestParamInfo<weft::scenarios::scenario>& info) {
  std::string out;
  for (char c : info.param.component + "_" + info.param.name) {
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  return out + "_" + std::to_string(info.index);
}

INSTANTIATE_TEST_SUITE_P(All, PrimitiveModel,
                         ::testing::ValuesIn(weft::scenarios::primitive_scenarios()), param_name);

}  // namespace
