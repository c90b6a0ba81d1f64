// The linearizability checker on hand-made histories: each verdict shown both ways
// (linearizable / not), per-key partitioning, non-deterministic models, pending
// operations, and "undecided" when the budget runs out.
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "weft/linearizability.hpp"

namespace {

using weft::prop::check_linearizability;
using weft::prop::interval;
using weft::prop::never;
using weft::prop::verdict;

// --- a read/write register --------------------------------------------------------------

struct reg_op {
  bool write;
  int value;  // written, or read
  interval when;
};

weft::prop::check_result check_register(const std::vector<reg_op>& h,
                                        const weft::prop::checker_budget& b = {}) {
  std::vector<interval> iv;
  iv.reserve(h.size());
  for (const auto& o : h) {
    iv.push_back(o.when);
  }
  return check_linearizability(
      std::span<const interval>(iv), 0,
      [&](const int& s, std::size_t i, std::vector<int>& out) {
        if (h[i].write) {
          out.push_back(h[i].value);
        } else if (h[i].value == s) {
          out.push_back(s);
        }
      },
      b);
}

TEST(Linearizability, EmptyHistoryIsLinearizable) {
  EXPECT_EQ(check_register({}).result, verdict::linearizable);
}

TEST(Linearizability, RegisterOverlappingReadMaySeeEitherValue) {
  // w(1) [0,10] overlaps r->1 [2,4] and r->0 [3,5]: both orders exist.
  EXPECT_TRUE(check_register({{true, 1, {0, 10}}, {false, 1, {2, 4}}, {false, 0, {3, 5}}}).ok());
}

TEST(Linearizability, RegisterStaleReadAfterNewReadIsNot) {
  // r->1 [2,4] returns before r->0 [5,6] starts, but 1 was already written: a read of 0
  // after it is stale — only one write of 1, nothing writes 0 again.
  const auto r = check_register({{true, 1, {0, 10}}, {false, 1, {2, 4}}, {false, 0, {5, 6}}});
  EXPECT_EQ(r.result, verdict::not_linearizable);
  EXPECT_EQ(r.longest.size(), 2u);  // w(1), r->1 — then r->0 cannot be placed
}

TEST(Linearizability, RegisterReadOfNeverWrittenValueIsNot) {
  EXPECT_EQ(check_register({{true, 1, {0, 1}}, {false, 2, {2, 3}}}).result,
            verdict::not_linearizable);
}

TEST(Linearizability, SequentialOrderIsRespected) {
  // w(1) then w(2) strictly after, then r->1: not linearizable.
  EXPECT_EQ(check_register({{true, 1, {0, 1}}, {true, 2, {2, 3}}, {false, 1, {4, 5}}}).result,
            verdict::not_linearizable);
  // The same with the writes overlapping: w(2) may go first.
  EXPECT_TRUE(check_register({{true, 1, {0, 3}}, {true, 2, {1, 2}}, {false, 1, {4, 5}}}).ok());
}

TEST(Linearizability, PendingOperationMayTakeEffectOrNot) {
  // A write that never returned may have happened (read sees 7) ...
  EXPECT_TRUE(check_register({{true, 7, {0, never}}, {false, 7, {2, 3}}}).ok());
  // ... or not (read sees 0).
  EXPECT_TRUE(check_register({{true, 7, {0, never}}, {false, 0, {2, 3}}}).ok());
  // But not before it was called.
  EXPECT_EQ(check_register({{false, 7, {0, 1}}, {true, 7, {2, never}}}).result,
            verdict::not_linearizable);
}

// --- a FIFO queue ---------------------------------------------------------------------------

struct q_op {
  bool enq;
  int value;  // enqueued, or dequeued (-1: empty)
  interval when;
};

weft::prop::check_result check_queue(const std::vector<q_op>& h) {
  std::vector<interval> iv;
  iv.reserve(h.size());
  for (const auto& o : h) {
    iv.push_back(o.when);
  }
  using state = std::deque<int>;
  return check_linearizability(
      std::span<const interval>(iv), state{},
      [&](const state& s, std::size_t i, std::vector<state>& out) {
        if (h[i].enq) {
          out.push_back(s);
          out.back().push_back(h[i].value);
        } else if (s.empty() ? h[i].value == -1 : s.front() == h[i].value) {
          out.push_back(s);
          if (!s.empty()) out.back().pop_front();
        }
      });
}

TEST(Linearizability, QueueConcurrentEnqueuesEitherOrder) {
  EXPECT_TRUE(
      check_queue({{true, 1, {0, 5}}, {true, 2, {1, 6}}, {false, 2, {7, 8}}, {false, 1, {9, 10}}})
          .ok());
}

TEST(Linearizability, QueueFifoViolationIsCaught) {
  const auto r =
      check_queue({{true, 1, {0, 1}}, {true, 2, {2, 3}}, {false, 2, {4, 5}}, {false, 1, {6, 7}}});
  EXPECT_EQ(r.result, verdict::not_linearizable);
  EXPECT_EQ(r.longest.size(), 2u);
}

TEST(Linearizability, QueueDuplicateDequeueIsCaught) {
  EXPECT_EQ(check_queue({{true, 1, {0, 1}}, {false, 1, {2, 5}}, {false, 1, {3, 6}}}).result,
            verdict::not_linearizable);
}

TEST(Linearizability, QueueEmptyDequeueWhileEnqueueOverlaps) {
  EXPECT_TRUE(check_queue({{true, 1, {0, 10}}, {false, -1, {2, 3}}, {false, 1, {11, 12}}}).ok());
  EXPECT_EQ(check_queue({{true, 1, {0, 1}}, {false, -1, {2, 3}}}).result,
            verdict::not_linearizable);
}

// --- a key-value map, per key ---------------------------------------------------------------

struct kv_op {
  int key;
  bool put;
  int value;  // put, or got
  interval when;
};

weft::prop::check_result check_kv(const std::vector<kv_op>& h, bool partitioned) {
  std::vector<interval> iv;
  iv.reserve(h.size());
  for (const auto& o : h) {
    iv.push_back(o.when);
  }
  using state = std::map<int, int>;
  const auto parts =
      weft::prop::partition_by_key(h.size(), [&](std::size_t i) { return h[i].key; });
  auto step = [&](const state& s, std::size_t i, std::vector<state>& out) {
    const auto it = s.find(h[i].key);
    if (h[i].put) {
      out.push_back(s);
      out.back()[h[i].key] = h[i].value;
    } else if ((it == s.end() ? 0 : it->second) == h[i].value) {
      out.push_back(s);
    }
  };
  if (partitioned) {
    return check_linearizability(std::span<const interval>(iv), state{}, step, {},
                                 std::span<const std::vector<std::size_t>>(parts));
  }
  return check_linearizability(std::span<const interval>(iv), state{}, step);
}

TEST(Linearizability, PerKeyMapVerdictsAgreeWithWholeHistory) {
  const std::vector<kv_op> good = {{1, true, 5, {0, 3}},
                                   {2, true, 6, {1, 4}},
                                   {1, false, 5, {5, 6}},
                                   {2, false, 6, {5, 7}},
                                   {3, false, 0, {0, 9}}};
  const std::vector<kv_op> bad = {
      {1, true, 5, {0, 3}}, {2, true, 6, {1, 4}}, {1, false, 6, {5, 6}}, {2, false, 6, {5, 7}}};
  for (bool partitioned : {false, true}) {
    const auto g = check_kv(good, partitioned);
    EXPECT_TRUE(g.ok());
    const auto b = check_kv(bad, partitioned);
    EXPECT_EQ(b.result, verdict::not_linearizable);
    if (partitioned) {
      EXPECT_EQ(g.partitions, 3u);
      // The failing partition is key 1's: ops 0 and 2.
      EXPECT_EQ(b.partition, (std::vector<std::size_t>{0, 2}));
    }
  }
}

// --- non-deterministic model ----------------------------------------------------------------

TEST(Linearizability, NondeterministicModelAcceptsAnyAllowedOutcome) {
  // A lossy counter: inc may or may not count (two allowed next states); get returns it.
  struct op {
    bool inc;
    int got;
    interval when;
  };
  auto check = [](const std::vector<op>& h) {
    std::vector<interval> iv;
    iv.reserve(h.size());
    for (const auto& o : h) {
      iv.push_back(o.when);
    }
    return check_linearizability(std::span<const interval>(iv), 0,
                                 [&](const int& s, std::size_t i, std::vector<int>& out) {
                                   if (h[i].inc) {
                                     out.push_back(s);
                                     out.push_back(s + 1);
                                   } else if (h[i].got == s) {
                                     out.push_back(s);
                                   }
                                 });
  };
  EXPECT_TRUE(check({{true, 0, {0, 1}}, {true, 0, {2, 3}}, {false, 1, {4, 5}}}).ok());
  EXPECT_TRUE(check({{true, 0, {0, 1}}, {true, 0, {2, 3}}, {false, 0, {4, 5}}}).ok());
  // Needs the second alternative of the first inc and the first of the second.
  EXPECT_TRUE(
      check({{true, 0, {0, 1}}, {false, 1, {2, 3}}, {true, 0, {4, 5}}, {false, 1, {6, 7}}}).ok());
  EXPECT_EQ(check({{true, 0, {0, 1}}, {false, 2, {2, 3}}}).result, verdict::not_linearizable);
  EXPECT_EQ(check({{true, 0, {0, 1}}, {false, 1, {2, 3}}, {false, 0, {4, 5}}}).result,
            verdict::not_linearizable);
}

// --- budget -----------------------------------------------------------------------------

// Many fully concurrent increments of a set-like state with a final impossible read:
// exponential without a memo hit; with a tiny budget the checker must give up.
TEST(Linearizability, UndecidedWhenTheStateBudgetRunsOut) {
  std::vector<interval> iv;
  const int n = 40;
  iv.reserve(n);
  for (int i = 0; i < n; ++i) {
    iv.push_back({0, 100});
  }
  iv.push_back({101, 102});  // a read that can never be satisfied
  auto step = [&](const std::uint64_t& s, std::size_t i, std::vector<std::uint64_t>& out) {
    if (i < static_cast<std::size_t>(n)) {
      out.push_back(s | (std::uint64_t{1} << i));
    } else if (s == 0) {
      out.push_back(s);
    }
  };
  weft::prop::checker_budget tiny;
  tiny.max_states = 1000;
  const auto r = check_linearizability(std::span<const interval>(iv), std::uint64_t{0}, step, tiny);
  EXPECT_EQ(r.result, verdict::undecided);
  EXPECT_NE(r.reason.find("state budget"), std::string::npos) << r.reason;

  weft::prop::checker_budget quick;
  quick.max_seconds = 0.05;
  quick.max_states = static_cast<std::size_t>(-1);
  const auto t =
      check_linearizability(std::span<const interval>(iv), std::uint64_t{0}, step, quick);
  EXPECT_EQ(t.result, verdict::undecided);
  EXPECT_NE(t.reason.find("time budget"), std::string::npos) << t.reason;
  EXPECT_LT(t.seconds, 5.0);
}

// --- a randomized cross-check against brute force ------------------------------------------

// Brute force: try every permutation consistent with real-time order (small n only).
bool brute_force_register(const std::vector<reg_op>& h) {
  std::vector<std::size_t> order(h.size());
  for (std::size_t i = 0; i < h.size(); ++i) {
    order[i] = i;
  }
  std::sort(order.begin(), order.end());
  do {
    bool ok = true;
    for (std::size_t a = 0; a < order.size() && ok; ++a) {
      for (std::size_t b = a + 1; b < order.size() && ok; ++b) {
        if (h[order[b]].when.ret < h[order[a]].when.invoke) ok = false;
      }
    }
    int v = 0;
    for (std::size_t k = 0; k < order.size() && ok; ++k) {
      const auto& o = h[order[k]];
      if (o.write) {
        v = o.value;
      } else if (o.value != v) {
        ok = false;
      }
    }
    if (ok) return true;
  } while (std::next_permutation(order.begin(), order.end()));
  return false;
}

TEST(Linearizability, AgreesWithBruteForceOnRandomRegisterHistories) {
  std::mt19937_64 rng(12345);
  int linearizable = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const int n = 2 + static_cast<int>(rng() % 6);
    std::vector<reg_op> h;
    for (int i = 0; i < n; ++i) {
      const std::uint64_t a = rng() % 20;
      const std::uint64_t b = a + 1 + rng() % 8;
      h.push_back({rng() % 2 == 0, static_cast<int>(rng() % 3), {a, b}});
    }
    const bool expected = brute_force_register(h);
    linearizable += expected ? 1 : 0;
    EXPECT_EQ(check_register(h).ok(), expected) << "trial " << trial;
  }
  EXPECT_GT(linearizable, 20);  // both verdicts are exercised
  EXPECT_LT(linearizable, 380);
}

}  // namespace
