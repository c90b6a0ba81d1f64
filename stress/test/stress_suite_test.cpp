// Unit tests of the suites' checker (stress_suite.hpp): every problem exactly_once()
// is there to find — loss, duplication, a torn or moved-from item, an item that was
// never sent, per-producer order — is found, and a clean delivery passes.
#include "stress_suite.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace {

using weft::stress_suite::exactly_once;
using weft::stress_suite::item;

bool mentions(const std::string& problem, const char* what) {
  return problem.find(what) != std::string::npos;
}

TEST(StressSuiteChecker, CleanDeliveryPasses) {
  // Two producers, two consumers, interleaved but in order per producer.
  const std::vector<std::vector<item>> got = {{item(0, 0), item(1, 0), item(0, 2)},
                                              {item(1, 1), item(0, 1)}};
  EXPECT_EQ(exactly_once({3, 2}, got), "");
}

TEST(StressSuiteChecker, FindsALostItem) {
  EXPECT_TRUE(mentions(exactly_once({3}, {{item(0, 0), item(0, 2)}}), "lost"));
}

TEST(StressSuiteChecker, FindsADuplicate) {
  EXPECT_TRUE(
      mentions(exactly_once({2}, {{item(0, 0), item(0, 1)}, {item(0, 1)}}, false), "duplicated"));
}

TEST(StressSuiteChecker, FindsAMovedFromItem) {
  item a(0, 0);
  item b(std::move(a));
  // Reading the moved-from item is the point of the test.
  // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  EXPECT_FALSE(a.intact());
  EXPECT_TRUE(b.intact());
  EXPECT_TRUE(mentions(exactly_once({1}, {{a}}), "moved-from"));
}

TEST(StressSuiteChecker, FindsAnItemThatWasNeverSent) {
  EXPECT_TRUE(mentions(exactly_once({1}, {{item(0, 0), item(0, 1)}}), "never sent"));
}

TEST(StressSuiteChecker, FindsBrokenProducerOrderUnlessOrderIsNotRequired) {
  const std::vector<std::vector<item>> got = {{item(0, 1), item(0, 0)}};
  EXPECT_TRUE(mentions(exactly_once({2}, got), "FIFO"));
  EXPECT_EQ(exactly_once({2}, got, false), "");
}

}  // namespace
