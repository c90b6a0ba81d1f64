// Unit tests of weft::channel<T>: Go semantics, error contract, no loss / no duplication.
#include "weft/channel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <numeric>
#include <string>
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

// ---- basics ----

TEST(Channel, BufferedIsFifoAndReportsSizeAndCapacity) {
  channel<int> ch(3);
  EXPECT_EQ(ch.capacity(), 3u);
  EXPECT_EQ(ch.size(), 0u);
  ch.send(1);
  ch.send(2);
  ch.send(3);
  EXPECT_EQ(ch.size(), 3u);
  EXPECT_EQ(ch.try_send(4), channel_status::would_block);
  EXPECT_EQ(ch.recv(), 1);
  EXPECT_EQ(ch.recv(), 2);
  EXPECT_EQ(ch.size(), 1u);
  ch.send(5);  // wraps around the ring
  EXPECT_EQ(ch.recv(), 3);
  EXPECT_EQ(ch.recv(), 5);
  EXPECT_EQ(ch.size(), 0u);
  EXPECT_FALSE(ch.closed());
}

TEST(Channel, DefaultConstructedIsUnbuffered) {
  channel<int> ch;
  EXPECT_FALSE(ch.is_nil());
  EXPECT_EQ(ch.capacity(), 0u);
  EXPECT_EQ(ch.try_send(1), channel_status::would_block);  // nobody receiving
  EXPECT_EQ(ch.try_recv().status, channel_status::would_block);
}

TEST(Channel, CopiesShareTheChannelAndReceiverIsAView) {
  channel<int> a(2);
  channel<int> b = a;         // NOLINT(performance-unnecessary-copy-initialization): a copy
  weft::receiver<int> r = a;  // NOLINT(performance-unnecessary-copy-initialization): a view
  EXPECT_TRUE(a == b);
  EXPECT_TRUE(r == a);
  EXPECT_FALSE(a == channel<int>(2));
  b.send(7);
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(r.recv(), 7);
}

TEST(Channel, TryFormsReportStatus) {
  channel<int> ch(1);
  auto r = ch.try_recv();
  EXPECT_EQ(r.status, channel_status::would_block);
  EXPECT_FALSE(r);
  EXPECT_EQ(ch.try_send(1), channel_status::ok);
  EXPECT_EQ(ch.try_send(2), channel_status::would_block);
  r = ch.try_recv();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 1);
  ch.close();
  EXPECT_EQ(ch.try_send(3), channel_status::closed);  // try forms do not throw
  EXPECT_EQ(ch.try_recv().status, channel_status::closed);
}

// ---- rendezvous ----

TEST(Channel, UnbufferedSendCompletesOnlyWhenReceived) {
  channel<int> ch;
  std::atomic<bool> sent{false};
  weft::thread sender([&] {
    ch.send(42);
    sent = true;
  });
  ASSERT_TRUE(eventually([&] { return blocked_senders(ch) == 1; }));
  EXPECT_FALSE(sent.load());  // blocked in send: no receiver yet
  EXPECT_EQ(ch.size(), 0u);   // nothing is buffered at capacity 0
  EXPECT_EQ(ch.recv(), 42);
  sender.join();
  EXPECT_TRUE(sent.load());
}

TEST(Channel, UnbufferedTryRecvTakesFromABlockedSender) {
  channel<std::string> ch;
  weft::thread sender([&] { ch.send("hello"); });
  ASSERT_TRUE(eventually([&] { return blocked_senders(ch) == 1; }));
  auto r = ch.try_recv();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "hello");
  sender.join();
}

TEST(Channel, UnbufferedTrySendHandsToABlockedReceiver) {
  channel<int> ch;
  std::optional<int> got;
  weft::thread receiver([&] { got = ch.recv(); });
  ASSERT_TRUE(eventually([&] { return blocked_receivers(ch) == 1; }));
  EXPECT_EQ(ch.try_send(9), channel_status::ok);
  receiver.join();
  EXPECT_EQ(got, 9);
}

TEST(Channel, BlockedSenderOfFullBufferKeepsFifoOrder) {
  channel<int> ch(1);
  ch.send(1);
  weft::thread sender([&] { ch.send(2); });
  ASSERT_TRUE(eventually([&] { return blocked_senders(ch) == 1; }));
  EXPECT_EQ(ch.recv(), 1);  // frees the slot; the blocked sender's value moves in
  sender.join();
  EXPECT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch.recv(), 2);
}

// ---- close ----

TEST(Channel, ReceiveDrainsThenReportsClosed) {
  channel<int> ch(4);
  ch.send(1);
  ch.send(2);
  ch.close();
  EXPECT_TRUE(ch.closed());
  EXPECT_EQ(ch.size(), 2u);
  EXPECT_EQ(ch.recv(), 1);
  EXPECT_EQ(ch.recv(), 2);
  EXPECT_EQ(ch.recv(), std::nullopt);
  EXPECT_EQ(ch.recv(), std::nullopt);  // stays closed
  EXPECT_EQ(ch.recv_for(10ms).status, channel_status::closed);
}

TEST(Channel, SendOnClosedThrowsAndDoesNotEnqueue) {
  channel<int> ch(4);
  ch.close();
  EXPECT_THROW(ch.send(1), weft::channel_closed);
  EXPECT_THROW((void)ch.send_for(1, 10ms), weft::channel_closed);
  EXPECT_THROW((void)ch.send_until(1, std::chrono::steady_clock::now() + 10ms),
               weft::channel_closed);
  EXPECT_EQ(ch.size(), 0u);
}

TEST(Channel, CloseTwiceThrows) {
  channel<int> ch;
  ch.close();
  EXPECT_THROW(ch.close(), weft::channel_closed);
  try {
    ch.close();
  } catch (const weft::error& e) {  // catchable through the common base
    EXPECT_NE(std::string(e.what()).find("closed"), std::string::npos);
  }
}

TEST(Channel, CloseWakesEveryBlockedReceiver) {
  channel<int> ch(2);
  constexpr int kReceivers = 4;
  std::atomic<int> closed_seen{0};
  std::vector<weft::thread> rs;
  rs.reserve(kReceivers);
  for (int i = 0; i < kReceivers; ++i) {
    rs.emplace_back([&] {
      if (!ch.recv().has_value()) {
        ++closed_seen;
      }
    });
  }
  ASSERT_TRUE(eventually([&] { return blocked_receivers(ch) == kReceivers; }));
  ch.close();
  for (auto& t : rs) {
    t.join();
  }
  EXPECT_EQ(closed_seen.load(), kReceivers);
}

TEST(Channel, CloseMakesEveryBlockedSenderThrow) {
  for (std::size_t cap : {0u, 1u}) {
    channel<int> ch(cap);
    if (cap == 1) {
      ch.send(100);  // fill the buffer
    }
    constexpr int kSenders = 4;
    std::atomic<int> threw{0};
    std::vector<weft::thread> ss;
    ss.reserve(kSenders);
    for (int i = 0; i < kSenders; ++i) {
      ss.emplace_back([&, i] {
        try {
          ch.send(i);
        } catch (const weft::channel_closed&) {
          ++threw;
        }
      });
    }
    ASSERT_TRUE(eventually([&] { return blocked_senders(ch) == kSenders; }));
    ch.close();
    for (auto& t : ss) {
      t.join();
    }
    EXPECT_EQ(threw.load(), kSenders) << "capacity " << cap;
    // The buffered value survives; the blocked senders' values were not accepted.
    if (cap == 1) {
      EXPECT_EQ(ch.recv(), 100);
    }
    EXPECT_EQ(ch.recv(), std::nullopt);
  }
}

TEST(Channel, NilChannel) {
  channel<int> nil(nullptr);
  EXPECT_TRUE(nil.is_nil());
  EXPECT_EQ(nil.capacity(), 0u);
  EXPECT_EQ(nil.size(), 0u);
  EXPECT_FALSE(nil.closed());
  EXPECT_EQ(nil.try_send(1), channel_status::would_block);
  EXPECT_EQ(nil.try_recv().status, channel_status::would_block);
  EXPECT_EQ(nil.recv_for(5ms).status, channel_status::timeout);
  EXPECT_EQ(nil.send_for(1, 5ms), channel_status::timeout);
  EXPECT_THROW(nil.close(), weft::nil_channel);
  channel<int> moved(1);
  channel<int> to(std::move(moved));
  EXPECT_TRUE(moved.is_nil());  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  EXPECT_FALSE(to.is_nil());
}

// ---- move-only values ----

TEST(Channel, MoveOnlyValues) {
  for (std::size_t cap : {0u, 2u}) {
    channel<std::unique_ptr<int>> ch(cap);
    weft::thread producer([&] {
      for (int i = 0; i < 100; ++i) {
        ch.send(std::make_unique<int>(i));
      }
      ch.close();
    });
    int expected = 0;
    for (auto& p : ch) {  // range-for yields T&, so the value can be moved out
      std::unique_ptr<int> mine = std::move(p);
      ASSERT_NE(mine, nullptr);
      EXPECT_EQ(*mine, expected++);
    }
    producer.join();
    EXPECT_EQ(expected, 100);
  }
}

TEST(Channel, FailedSendsDoNotConsumeTheValue) {
  channel<std::unique_ptr<int>> ch(1);
  ASSERT_EQ(ch.try_send(std::make_unique<int>(1)), channel_status::ok);
  auto v = std::make_unique<int>(2);
  EXPECT_EQ(ch.try_send(std::move(v)), channel_status::would_block);
  ASSERT_NE(v, nullptr);  // NOLINT(bugprone-use-after-move): not moved from on failure
  EXPECT_EQ(ch.send_for(std::move(v), 5ms), channel_status::timeout);
  ASSERT_NE(v, nullptr);  // NOLINT(bugprone-use-after-move)
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  cancel();
  EXPECT_EQ(ch.send(std::move(v), ctx), channel_status::cancelled);
  ASSERT_NE(v, nullptr);  // NOLINT(bugprone-use-after-move)
  ch.close();
  EXPECT_THROW(ch.send(std::move(v)), weft::channel_closed);
  EXPECT_EQ(*v, 2);  // NOLINT(bugprone-use-after-move)
}

// ---- timed forms ----

TEST(Channel, RecvForTimesOutAfterTheTimeout) {
  channel<int> ch(1);
  const auto start = weft::clock::now();
  auto r = ch.recv_for(30ms);
  EXPECT_EQ(r.status, channel_status::timeout);
  EXPECT_GE(weft::clock::now() - start, 30ms);
}

TEST(Channel, SendForTimesOutOnAFullChannel) {
  channel<int> ch(1);
  ch.send(1);
  const auto start = weft::clock::now();
  EXPECT_EQ(ch.send_for(2, 30ms), channel_status::timeout);
  EXPECT_GE(weft::clock::now() - start, 30ms);
  EXPECT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch.recv(), 1);
}

TEST(Channel, UntilFormsAcceptAnyClock) {
  channel<int> ch;
  EXPECT_EQ(ch.recv_until(std::chrono::system_clock::now() + 5ms).status, channel_status::timeout);
  EXPECT_EQ(ch.send_until(1, std::chrono::steady_clock::now() + 5ms), channel_status::timeout);
  EXPECT_EQ(ch.recv_until(weft::clock::now() - 1s).status, channel_status::timeout);  // past
  EXPECT_EQ(ch.recv_for(std::chrono::hours::min()).status, channel_status::timeout);
}

TEST(Channel, TimedRecvGetsAValueThatArrives) {
  channel<int> ch;
  weft::thread sender([&] { ch.send(5); });
  auto r = ch.recv_for(weft::test::kHang);
  sender.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 5);
}

TEST(Channel, TimedSendCompletesWhenReceived) {
  channel<int> ch;
  std::optional<int> got;
  weft::thread receiver([&] { got = ch.recv(); });
  EXPECT_EQ(ch.send_for(6, weft::test::kHang), channel_status::ok);
  receiver.join();
  EXPECT_EQ(got, 6);
}

TEST(Channel, ExpiredDeadlineStillTakesAReadyValue) {
  channel<int> ch(1);
  ch.send(3);
  auto r = ch.recv_for(0ms);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 3);
  EXPECT_EQ(ch.send_for(4, -1s), channel_status::ok);
}

// ---- context-aware forms ----

TEST(Channel, RecvWithContext) {
  channel<int> ch(1);
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  ch.send(1);
  auto r = ch.recv(ctx);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 1);

  weft::thread canceller([&, c = cancel] {
    ASSERT_TRUE(eventually([&] { return blocked_receivers(ch) == 1; }));
    c();
  });
  r = ch.recv(ctx);  // blocks until cancelled
  canceller.join();
  EXPECT_EQ(r.status, channel_status::cancelled);
  EXPECT_EQ(blocked_receivers(ch), 0u);  // its wait node was withdrawn

  ch.send(2);
  EXPECT_EQ(ch.recv(ctx).status, channel_status::cancelled);  // done wins, even if ready
  EXPECT_EQ(ch.recv(), 2);                                    // and the value is still there
  ch.close();
  EXPECT_EQ(ch.recv(weft::background()).status, channel_status::closed);
}

TEST(Channel, SendWithContext) {
  channel<int> ch;
  auto [ctx, cancel] = weft::with_timeout(weft::background(), 20ms);
  EXPECT_EQ(ch.send(1, ctx), channel_status::cancelled);  // nobody receives; deadline passes
  EXPECT_EQ(ctx.err(), weft::context_errc::deadline_exceeded);

  auto [live, stop] = weft::with_cancel(weft::background());
  std::optional<int> got;
  weft::thread receiver([&] { got = ch.recv(); });
  EXPECT_EQ(ch.send(2, live), channel_status::ok);
  receiver.join();
  EXPECT_EQ(got, 2);
  ch.close();
  EXPECT_THROW((void)ch.send(3, live), weft::channel_closed);
  stop();
  cancel();
}

// ---- iteration ----

TEST(Channel, RangeForEndsWhenClosedAndDrained) {
  channel<int> ch(8);
  for (int i = 0; i < 5; ++i) {
    ch.send(i);
  }
  ch.close();
  std::vector<int> got;
  for (int v : ch) {
    got.push_back(v);
  }
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4}));
  static_assert(std::input_iterator<weft::receiver<int>::iterator>);
}

// ---- many threads: no loss, no duplication ----

class ChannelMpmc : public ::testing::TestWithParam<std::size_t> {};

TEST_P(ChannelMpmc, EveryValueIsReceivedExactlyOnce) {
  constexpr int kProducers = 4;
  constexpr int kConsumers = 4;
  constexpr int kPerProducer = 5000;
  channel<int> ch(GetParam());
  std::vector<std::atomic<int>> seen(std::size_t{kProducers} * kPerProducer);
  std::atomic<int> received{0};

  std::vector<weft::thread> consumers;
  consumers.reserve(kConsumers);
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&] {
      while (auto v = ch.recv()) {
        seen[static_cast<std::size_t>(*v)].fetch_add(1);
        received.fetch_add(1);
      }
    });
  }
  std::vector<weft::thread> producers;
  producers.reserve(kProducers);
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        // Mix the blocking, try and timed forms.
        const int v = p * kPerProducer + i;
        if (i % 3 == 0) {
          while (ch.try_send(v) != channel_status::ok) {
            weft::this_thread::yield();
          }
        } else if (i % 3 == 1) {
          ASSERT_EQ(ch.send_for(v, weft::test::kHang), channel_status::ok);
        } else {
          ch.send(v);
        }
      }
    });
  }
  for (auto& t : producers) {
    t.join();
  }
  ch.close();
  for (auto& t : consumers) {
    t.join();
  }

  EXPECT_EQ(received.load(), kProducers * kPerProducer);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    ASSERT_EQ(seen[i].load(), 1) << "value " << i;
  }
}

TEST_P(ChannelMpmc, PerProducerOrderIsPreserved) {
  constexpr int kProducers = 3;
  constexpr int kPerProducer = 3000;
  channel<std::pair<int, int>> ch(GetParam());
  std::vector<weft::thread> producers;
  producers.reserve(kProducers);
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        ch.send({p, i});
      }
    });
  }
  std::vector<int> next(kProducers, 0);
  for (int n = 0; n < kProducers * kPerProducer; ++n) {
    auto v = ch.recv();
    ASSERT_TRUE(v.has_value());
    ASSERT_EQ(v->second, next[static_cast<std::size_t>(v->first)]++);
  }
  for (auto& t : producers) {
    t.join();
  }
  EXPECT_EQ(ch.try_recv().status, channel_status::would_block);
}

INSTANTIATE_TEST_SUITE_P(Capacities, ChannelMpmc, ::testing::Values(0u, 1u, 64u),
                         [](const auto& info) { return "cap" + std::to_string(info.param); });

TEST(Channel, CloseRacingWithSendersLosesNothing) {
  // Every send either returns (its value is then received exactly once) or throws
  // channel_closed (its value is never received).
  for (int round = 0; round < 20; ++round) {
    channel<int> ch(4);
    constexpr int kSenders = 4;
    constexpr int kEach = 200;
    std::atomic<int> accepted{0};
    std::vector<weft::thread> ss;
    ss.reserve(kSenders);
    for (int s = 0; s < kSenders; ++s) {
      ss.emplace_back([&, s] {
        for (int i = 0; i < kEach; ++i) {
          try {
            ch.send(s * kEach + i);
            accepted.fetch_add(1);
          } catch (const weft::channel_closed&) {
            return;
          }
        }
      });
    }
    int received = 0;
    std::vector<int> counts(std::size_t{kSenders} * kEach, 0);
    for (int i = 0; i < 100; ++i) {
      auto v = ch.recv();
      ASSERT_TRUE(v.has_value());
      ++counts[static_cast<std::size_t>(*v)];
      ++received;
    }
    ch.close();
    while (auto v = ch.recv()) {
      ++counts[static_cast<std::size_t>(*v)];
      ++received;
    }
    for (auto& t : ss) {
      t.join();
    }
    EXPECT_EQ(received, accepted.load());
    EXPECT_EQ(*std::max_element(counts.begin(), counts.end()), 1);
  }
}

}  // namespace
