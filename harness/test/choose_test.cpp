// weft::model::choose outside model and stress mode: a seeded pseudo-random choice, in
// range, with a sequence per thread.
#include <gtest/gtest.h>

#include <cstddef>
#include <stdexcept>
#include <thread>
#include <vector>

#include "weft/sync.hpp"

namespace {

std::vector<std::size_t> draw(std::size_t count, std::size_t n) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back(weft::model::choose(n));
  }
  return out;
}

TEST(PlainChoose, StaysInRangeAndCoversIt) {
  std::vector<int> seen(7, 0);
  for (std::size_t v : draw(700, 7)) {
    ASSERT_LT(v, 7U);
    ++seen[v];
  }
  for (int count : seen) {
    EXPECT_GT(count, 0);
  }
  EXPECT_EQ(weft::model::choose(1), 0U);
  EXPECT_THROW((void)weft::model::choose(0), std::invalid_argument);
}

// Threads draw from their own generators: two threads started together do not make the
// same "random" choices (before, every thread drew WEFT_SEED's one sequence).
TEST(PlainChoose, ThreadsDrawDifferentSequences) {
  std::vector<std::size_t> a;
  std::vector<std::size_t> b;
  std::thread ta([&a] { a = draw(32, 1000); });
  std::thread tb([&b] { b = draw(32, 1000); });
  ta.join();
  tb.join();
  EXPECT_NE(a, b);
}

}  // namespace
