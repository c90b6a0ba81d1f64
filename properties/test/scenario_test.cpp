// Scenario generation and shrinking: shapes are respected, weights bias the choice, and
// shrinking offers fewer threads, fewer calls and smaller arguments — in that order.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "weft/property.hpp"

namespace {

struct nothing {};

auto two_op_spec(unsigned weight_b = 1) {
  return weft::prop::spec<nothing, int>("two")
      .op(
          "a", rc::gen::inRange(0, 100), [](nothing&, int v) { return v; },
          [](int&, int v) { return v; })
      .op(
          "b", [](nothing&) { return 0; }, [](int&) { return 0; })
      .weight(weight_b);
}

TEST(Scenario, GeneratedScenariosFollowTheShape) {
  weft::prop::shape sh;
  sh.threads = 3;
  sh.ops_per_thread = 4;
  sh.ops_before = 2;
  sh.ops_after = 1;
  const auto gen = weft::prop::scenario_gen(two_op_spec(), sh);
  for (std::uint64_t seed = 1; seed < 50; ++seed) {
    const weft::prop::scenario s = gen(rc::Random(seed), 50).value();
    ASSERT_EQ(s.parallel.size(), 3u);
    for (const auto& t : s.parallel) {
      EXPECT_EQ(t.size(), 4u);
    }
    EXPECT_LE(s.init.size(), 2u);
    EXPECT_LE(s.post.size(), 1u);
  }
}

TEST(Scenario, WeightZeroIsNeverPicked) {
  const auto gen = weft::prop::scenario_gen(two_op_spec(0), weft::prop::shape{});
  for (std::uint64_t seed = 1; seed < 30; ++seed) {
    const auto s = gen(rc::Random(seed), 50).value();
    for (const auto& t : s.parallel) {
      for (const auto& inv : t) {
        EXPECT_EQ(inv.op->name, "a");
      }
    }
  }
}

TEST(Scenario, ShrinksRemoveThreadsThenCallsThenShrinkArguments) {
  weft::prop::shape sh;
  sh.threads = 2;
  sh.ops_per_thread = 2;
  sh.ops_before = 0;
  sh.ops_after = 0;
  const auto gen = weft::prop::scenario_gen(two_op_spec(0), sh);
  rc::Shrinkable<weft::prop::scenario> s = gen(rc::Random(3), 50);
  const auto root = s.value();
  ASSERT_EQ(root.size(), 4u);
  auto shrinks = s.shrinks();
  auto first = shrinks.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->value().parallel.size(), 1u);  // a whole thread dropped
  auto second = shrinks.next();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->value().parallel.size(), 1u);
  auto third = shrinks.next();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->value().size(), 3u);  // then one call fewer
  // Eventually argument shrinks: same shape, smaller argument somewhere.
  bool saw_argument_shrink = false;
  while (auto next = shrinks.next()) {
    const auto v = next->value();
    if (v.size() == 4u) saw_argument_shrink = true;
  }
  EXPECT_TRUE(saw_argument_shrink);
}

TEST(Scenario, ColumnsShowEveryPart) {
  weft::prop::shape sh;
  sh.ops_before = 3;
  sh.ops_after = 3;
  const auto gen = weft::prop::scenario_gen(two_op_spec(), sh);
  weft::prop::scenario s;
  for (std::uint64_t seed = 1; s.init.empty() || s.post.empty(); ++seed) {
    s = gen(rc::Random(seed), 50).value();
  }
  const std::string text = weft::prop::format_scenario(s);
  EXPECT_NE(text.find("| init"), std::string::npos) << text;
  EXPECT_NE(text.find("| thread 1"), std::string::npos) << text;
  EXPECT_NE(text.find("| thread 2"), std::string::npos) << text;
  EXPECT_NE(text.find("| post"), std::string::npos) << text;
}

}  // namespace
