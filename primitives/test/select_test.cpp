// Unit tests of weft::select: readiness, default/timeout/done cases, uniform choice,
// rendezvous on both sides, no lost or duplicated values under concurrency.
#include "weft/select.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "test_util.hpp"
#include "weft/context.hpp"
#include "weft/sync.hpp"

namespace {

using namespace std::chrono_literals;
using weft::channel;
using weft::channel_status;
using weft::test::blocked_receivers;
using weft::test::blocked_senders;
using weft::test::eventually;

TEST(Select, ReadyReceiveFiresWithItsValue) {
  channel<int> a(1);
  channel<std::string> b(1);
  b.send("x");
  std::optional<std::string> got;
  bool a_fired = false;
  const auto fired =
      weft::select(weft::recv(a, [&](std::optional<int>) { a_fired = true; }),
                   weft::recv(b, [&](std::optional<std::string> v) { got = std::move(v); }));
  EXPECT_EQ(fired, 1u);
  EXPECT_FALSE(a_fired);
  EXPECT_EQ(got, "x");
  EXPECT_EQ(b.size(), 0u);
}

TEST(Select, DefaultRunsOnlyWhenNothingIsReady) {
  channel<int> ch(1);
  int defaults = 0;
  EXPECT_EQ(weft::select(weft::recv(ch), weft::otherwise([&] { ++defaults; })), 1u);
  EXPECT_EQ(defaults, 1);
  ch.send(1);
  std::optional<int> got;
  EXPECT_EQ(weft::select(weft::recv(ch, [&](std::optional<int> v) { got = v; }),
                         weft::otherwise([&] { ++defaults; })),
            0u);
  EXPECT_EQ(defaults, 1);
  EXPECT_EQ(got, 1);
  // A send that cannot proceed also falls through to the default.
  channel<int> unbuffered;
  EXPECT_EQ(weft::select(weft::send(unbuffered, 1), weft::otherwise()), 1u);
}

TEST(Select, TimeoutFiresWhenNothingHappens) {
  channel<int> ch;
  bool timed_out = false;
  const auto start = weft::clock::now();
  EXPECT_EQ(weft::select(weft::recv(ch), weft::timeout(30ms, [&] { timed_out = true; })), 1u);
  EXPECT_TRUE(timed_out);
  EXPECT_GE(weft::clock::now() - start, 30ms);
  EXPECT_EQ(blocked_receivers(ch), 0u);  // no wait node left behind
  // The earliest of several deadlines wins.
  EXPECT_EQ(weft::select(weft::timeout(1h), weft::deadline(std::chrono::system_clock::now()),
                         weft::recv(ch)),
            1u);
}

TEST(Select, ReceiveRendezvousWithABlockedSelect) {
  channel<int> a;
  channel<int> b;
  std::optional<int> got;
  std::size_t fired = 99;
  weft::thread selector([&] {
    fired = weft::select(weft::recv(a, [&](std::optional<int> v) { got = v; }),
                         weft::recv(b, [&](std::optional<int> v) { got = v; }));
  });
  ASSERT_TRUE(eventually([&] { return blocked_receivers(b) == 1; }));
  b.send(17);  // completes only when the select has taken it
  selector.join();
  EXPECT_EQ(fired, 1u);
  EXPECT_EQ(got, 17);
  EXPECT_EQ(blocked_receivers(a), 0u);  // the other registration was withdrawn
}

TEST(Select, SendRendezvousWithABlockedSelect) {
  channel<int> a;
  channel<std::unique_ptr<int>> b;
  std::size_t fired = 99;
  bool handler_ran = false;
  weft::thread selector([&] {
    fired = weft::select(weft::send(a, 1),
                         weft::send(b, std::make_unique<int>(2), [&] { handler_ran = true; }));
  });
  ASSERT_TRUE(eventually([&] { return blocked_senders(b) == 1; }));
  auto v = b.recv();
  selector.join();
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(**v, 2);
  EXPECT_EQ(fired, 1u);
  EXPECT_TRUE(handler_ran);
  EXPECT_EQ(blocked_senders(a), 0u);
  EXPECT_EQ(a.try_recv().status, channel_status::would_block);  // a's value was not sent
}

TEST(Select, ClosedChannelReceiveIsReadyWithNullopt) {
  channel<int> ch;
  ch.close();
  std::optional<int> got = 5;
  EXPECT_EQ(weft::select(weft::recv(ch, [&](std::optional<int> v) { got = v; })), 0u);
  EXPECT_EQ(got, std::nullopt);
}

TEST(Select, CloseWakesABlockedSelect) {
  channel<int> ch;
  channel<int> other;
  bool saw_closed = false;
  weft::thread selector([&] {
    weft::select(weft::recv(ch, [&](std::optional<int> v) { saw_closed = !v; }), weft::recv(other));
  });
  ASSERT_TRUE(eventually([&] { return blocked_receivers(ch) == 1; }));
  ch.close();
  selector.join();
  EXPECT_TRUE(saw_closed);
}

TEST(Select, SendOnClosedChannelThrows) {
  channel<int> ch(1);
  ch.close();
  bool handler_ran = false;
  EXPECT_THROW(weft::select(weft::send(ch, 1, [&] { handler_ran = true; })), weft::channel_closed);
  EXPECT_FALSE(handler_ran);

  // A select blocked on a send whose channel gets closed throws as well.
  channel<int> unbuffered;
  std::atomic<bool> threw{false};
  weft::thread selector([&] {
    try {
      weft::select(weft::send(unbuffered, 1));
    } catch (const weft::channel_closed&) {
      threw = true;
    }
  });
  ASSERT_TRUE(eventually([&] { return blocked_senders(unbuffered) == 1; }));
  unbuffered.close();
  selector.join();
  EXPECT_TRUE(threw.load());
}

TEST(Select, NilChannelCasesNeverFire) {
  channel<int> nil(nullptr);
  EXPECT_EQ(weft::select(weft::recv(nil), weft::send(nil, 1), weft::otherwise()), 2u);
  EXPECT_EQ(weft::select(weft::recv(nil), weft::timeout(5ms)), 1u);
}

TEST(Select, SameChannelInSeveralCases) {
  channel<int> ch(1);
  // Buffer empty: only the send is ready.
  EXPECT_EQ(weft::select(weft::recv(ch), weft::send(ch, 4)), 1u);
  // Buffer full: only the receive is ready.
  std::optional<int> got;
  EXPECT_EQ(weft::select(weft::recv(ch, [&](std::optional<int> v) { got = v; }), weft::send(ch, 5)),
            0u);
  EXPECT_EQ(got, 4);
}

TEST(Select, HandlerExceptionPropagatesAfterTheCaseCompleted) {
  channel<int> ch(1);
  ch.send(1);
  EXPECT_THROW(
      weft::select(weft::recv(ch, [](std::optional<int>) { throw std::runtime_error("x"); })),
      std::runtime_error);
  EXPECT_EQ(ch.size(), 0u);  // the value was taken (and given to the handler)
  ch.send(2);                // the channel is still consistent
  EXPECT_EQ(ch.recv(), 2);
}

TEST(Select, DoneCaseFiresOnCancel) {
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  channel<int> ch;
  std::error_code err;
  weft::thread selector([&, ctx = ctx] {
    EXPECT_EQ(weft::select(weft::recv(ch), weft::done(ctx, [&] { err = ctx.err(); })), 1u);
  });
  weft::thread canceller([&, cancel = cancel] {
    ASSERT_TRUE(eventually([&] { return blocked_receivers(ch) == 1; }));
    cancel();
  });
  canceller.join();
  selector.join();
  EXPECT_EQ(err, weft::context_errc::cancelled);
}

TEST(Select, DoneCaseFiresAtTheDeadlineWithoutATimerThread) {
  auto [ctx, cancel] = weft::with_timeout(weft::background(), 20ms);
  channel<int> ch;
  std::error_code err;
  EXPECT_EQ(weft::select(weft::recv(ch), weft::done(ctx, [&, c = ctx] { err = c.err(); })), 1u);
  EXPECT_EQ(err, weft::context_errc::deadline_exceeded);
  // And the background context never fires.
  EXPECT_EQ(weft::select(weft::done(weft::background()), weft::otherwise()), 1u);
  cancel();
}

TEST(Select, RawDoneChannelIsAReceiveCase) {
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  EXPECT_EQ(weft::select(weft::recv(ctx.done()), weft::otherwise()), 1u);
  cancel();
  EXPECT_EQ(weft::select(weft::recv(ctx.done()), weft::otherwise()), 0u);
}

TEST(Select, ChoiceAmongReadyCasesIsRoughlyUniform) {
  // Three always-ready channels (one of them a send): each should fire about 1/3 of
  // the time. Bounds are loose (expected 1000, sd ~26).
  channel<int> a(1);
  channel<int> b(1);
  channel<int> c(1);
  std::array<int, 3> hits{};
  for (int i = 0; i < 3000; ++i) {
    if (a.size() == 0) {
      a.send(1);
    }
    if (b.size() == 0) {
      b.send(2);
    }
    while (c.size() != 0) {
      (void)c.recv();
    }
    hits[weft::select(weft::recv(a), weft::recv(b), weft::send(c, 3))]++;
  }
  for (int h : hits) {
    EXPECT_GT(h, 800);
    EXPECT_LT(h, 1200);
  }
}

TEST(Select, NoValueIsLostWhenSeveralChannelsAreReady) {
  channel<int> a(100);
  channel<int> b(100);
  for (int i = 0; i < 100; ++i) {
    a.send(i);
    b.send(1000 + i);
  }
  std::vector<int> got;
  for (int i = 0; i < 150; ++i) {
    weft::select(weft::recv(a, [&](std::optional<int> v) { got.push_back(*v); }),
                 weft::recv(b, [&](std::optional<int> v) { got.push_back(*v); }));
  }
  EXPECT_EQ(got.size(), 150u);
  EXPECT_EQ(a.size() + b.size(), 50u);  // exactly one value taken per select
  while (auto v = a.try_recv()) {
    got.push_back(*v);
  }
  while (auto v = b.try_recv()) {
    got.push_back(*v);
  }
  std::sort(got.begin(), got.end());
  std::vector<int> want;
  want.reserve(100);
  for (int i = 0; i < 100; ++i) {
    want.push_back(i);
  }
  for (int i = 0; i < 100; ++i) {
    want.push_back(1000 + i);
  }
  EXPECT_EQ(got, want);
}

// Senders and receivers both select over several channels (crossbeam's select_both):
// every value is received exactly once, at capacities 0, 1 and N.
class SelectBoth : public ::testing::TestWithParam<std::size_t> {};

TEST_P(SelectBoth, EveryValueExactlyOnce) {
  constexpr int kChannels = 3;
  constexpr int kSenders = 3;
  constexpr int kReceivers = 3;
  constexpr int kPerSender = 3000;
  std::vector<channel<int>> chs;
  chs.reserve(kChannels);
  for (int i = 0; i < kChannels; ++i) {
    chs.emplace_back(GetParam());
  }
  std::vector<std::atomic<int>> seen(std::size_t{kSenders} * kPerSender);
  std::atomic<int> remaining{kSenders * kPerSender};
  channel<int> quit;  // closed when everything was received

  std::vector<weft::thread> threads;
  threads.reserve(kSenders);
  for (int s = 0; s < kSenders; ++s) {
    threads.emplace_back([&, s] {
      for (int i = 0; i < kPerSender; ++i) {
        const int v = s * kPerSender + i;
        weft::select(weft::send(chs[0], v), weft::send(chs[1], v), weft::send(chs[2], v));
      }
    });
  }
  for (int r = 0; r < kReceivers; ++r) {
    threads.emplace_back([&] {
      bool done = false;
      auto on_value = [&](std::optional<int> v) {
        ASSERT_TRUE(v.has_value());
        seen[static_cast<std::size_t>(*v)].fetch_add(1);
        if (remaining.fetch_sub(1) == 1) {
          quit.close();
        }
      };
      while (!done) {
        weft::select(weft::recv(chs[0], on_value), weft::recv(chs[1], on_value),
                     weft::recv(chs[2], on_value),
                     weft::recv(quit, [&](std::optional<int>) { done = true; }));
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(remaining.load(), 0);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    ASSERT_EQ(seen[i].load(), 1) << "value " << i;
  }
  for (auto& ch : chs) {
    EXPECT_EQ(ch.size(), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Capacities, SelectBoth, ::testing::Values(0u, 1u, 16u),
                         [](const auto& info) { return "cap" + std::to_string(info.param); });

TEST(Select, MixedTypesAgainstPlainOperations) {
  // One selecting consumer over three element types; plain producers. Counts per type.
  channel<int> ints(4);
  channel<std::string> strings;
  channel<std::unique_ptr<int>> ptrs(1);
  constexpr int kEach = 2000;
  weft::thread p1([&] {
    for (int i = 0; i < kEach; ++i) {
      ints.send(i);
    }
  });
  weft::thread p2([&] {
    for (int i = 0; i < kEach; ++i) {
      strings.send(std::to_string(i));
    }
  });
  weft::thread p3([&] {
    for (int i = 0; i < kEach; ++i) {
      ptrs.send(std::make_unique<int>(i));
    }
  });
  long long int_sum = 0;
  long long str_sum = 0;
  long long ptr_sum = 0;
  for (int n = 0; n < 3 * kEach; ++n) {
    weft::select(
        weft::recv(ints, [&](std::optional<int> v) { int_sum += *v; }),
        weft::recv(strings, [&](std::optional<std::string> v) { str_sum += std::stoi(*v); }),
        weft::recv(ptrs, [&](std::optional<std::unique_ptr<int>> v) { ptr_sum += **v; }),
        weft::timeout(weft::test::kHang, [] { FAIL() << "select hung"; }));
  }
  p1.join();
  p2.join();
  p3.join();
  const long long want = static_cast<long long>(kEach) * (kEach - 1) / 2;
  EXPECT_EQ(int_sum, want);
  EXPECT_EQ(str_sum, want);
  EXPECT_EQ(ptr_sum, want);
}

TEST(Select, TimeoutRacingWithSendersLosesNothing) {
  // Selects with short timeouts race against senders: every value a sender got through
  // is received by exactly one select; timeouts never swallow one.
  channel<int> ch;
  constexpr int kValues = 2000;
  std::atomic<int> sent{0};
  weft::thread sender([&] {
    for (int i = 0; i < kValues; ++i) {
      ch.send(i);
      sent.fetch_add(1);
    }
  });
  std::vector<int> got;
  while (static_cast<int>(got.size()) < kValues) {
    weft::select(weft::recv(ch, [&](std::optional<int> v) { got.push_back(*v); }),
                 weft::timeout(std::chrono::microseconds(got.size() % 50)));
  }
  sender.join();
  for (int i = 0; i < kValues; ++i) {
    ASSERT_EQ(got[static_cast<std::size_t>(i)], i);
  }
}

}  // namespace
