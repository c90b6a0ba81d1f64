// Stress suite of weft::channel, buffered and rendezvous: real threads, injected delays.
//
// Every round builds a fresh channel, runs producers and consumers on weft::threads with
// operation forms picked at random (blocking, try_ with fallback, timed, context-aware),
// and checks what arrived with stress_suite::exactly_once — no loss, no duplication, no
// torn or moved-from value, FIFO per producer — plus the facts a form promises (a timed
// operation that times out took at least its timeout, a failed send left its value
// intact). Waits are blocking channel operations or polls of channel state; the runner's
// watchdog turns a hang into a failure with each thread's position.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "stress_suite.hpp"
#include "weft/channel.hpp"
#include "weft/context.hpp"
#include "weft/stress.hpp"
#include "weft/sync.hpp"

namespace {

using namespace std::chrono_literals;
using weft::channel;
using weft::channel_status;
using weft::model::choose;
using weft::stress_suite::budget;
using weft::stress_suite::exactly_once;
using weft::stress_suite::expect_clean;
using weft::stress_suite::item;
using weft::stress_suite::passed;
using weft::stress_suite::short_timeout;
using weft::stress_suite::unwind_if_failed;

// Sends `it` with a randomly picked form. Every form that does not deliver must leave
// `it` intact — the fallbacks below send the same object again, and a consumer checks
// its fingerprint. With `timed`, send_for loops may be picked too. Throws
// weft::channel_closed like send() when the channel is closed.
void send_any(const channel<item>& ch, item it, const weft::context& ctx, bool timed) {
  switch (choose(timed ? 4 : 3)) {
    case 0:
      ch.send(std::move(it));
      return;
    case 1: {
      const channel_status st = ch.try_send(std::move(it));
      if (st == channel_status::ok) return;
      if (st == channel_status::closed) throw weft::channel_closed("try_send: closed");
      // A send that did not succeed leaves the value intact (the contract under test).
      ch.send(std::move(it));  // NOLINT(bugprone-use-after-move)
      return;
    }
    case 2: {
      const channel_status st = ch.send(std::move(it), ctx);
      WEFT_ASSERT(st == channel_status::ok);  // ctx is never cancelled during the round
      return;
    }
    default:
      // A timed-out send leaves the value intact (the contract under test): send it again.
      // NOLINTNEXTLINE(bugprone-use-after-move)
      while (ch.send_for(std::move(it), short_timeout()) != channel_status::ok) {
      }
      return;
  }
}

// Receives with a randomly picked form; std::nullopt once the channel is closed and
// drained. With `timed`, recv_for/recv_until loops may be picked too.
std::optional<item> recv_any(const channel<item>& ch, const weft::context& ctx, bool timed) {
  switch (choose(timed ? 4 : 3)) {
    case 0:
      return ch.recv();
    case 1: {
      auto r = ch.try_recv();
      if (r) return std::move(*r);
      if (r.status == channel_status::closed) return std::nullopt;
      WEFT_ASSERT(r.status == channel_status::would_block);
      return ch.recv();
    }
    case 2: {
      auto r = ch.recv(ctx);
      if (r) return std::move(*r);
      WEFT_ASSERT(r.status == channel_status::closed);
      return std::nullopt;
    }
    default:
      for (;;) {
        auto r = choose(2) == 0 ? ch.recv_for(short_timeout())
                                : ch.recv_until(std::chrono::steady_clock::now() + short_timeout());
        if (r) return std::move(*r);
        if (r.status == channel_status::closed) return std::nullopt;
        WEFT_ASSERT(r.status == channel_status::timeout);
      }
  }
}

// Polls `pred` (each poll is a facade operation, so a hang is reported and unwound).
template <class Pred>
void wait_until(Pred pred) {
  while (!pred()) {
    weft::this_thread::yield();
  }
}

std::size_t blocked_receivers(const channel<item>& ch) {
  return weft::detail::chan_access::state(ch)->blocked_receivers();
}
std::size_t blocked_senders(const channel<item>& ch) {
  return weft::detail::chan_access::state(ch)->blocked_senders();
}

std::pair<weft::context, weft::cancel_func> live_context() {
  return weft::with_cancel(weft::background());
}

class ChannelStress : public ::testing::TestWithParam<std::size_t> {
 protected:
  std::size_t capacity() const { return GetParam(); }
  std::string name(const char* what) const {
    return std::string(what) + "/capacity " + std::to_string(capacity());
  }
};

// Producers and consumers with every form mixed: each item arrives exactly once,
// intact, and each consumer sees each producer's items in order.
TEST_P(ChannelStress, MpmcDeliversEachItemOnceInProducerOrder) {
  constexpr std::uint32_t kProducers = 3;
  constexpr std::size_t kConsumers = 2;
  constexpr std::uint32_t kItems = 24;
  const std::size_t cap = capacity();
  const auto report = weft::stress::run(budget(name("mpmc"), 150), [cap] {
    const channel<item> ch(cap);
    auto [ctx, cancel] = live_context();
    std::vector<std::vector<item>> got(kConsumers);
    std::vector<weft::thread> consumers;
    std::vector<weft::thread> producers;
    for (std::size_t c = 0; c < kConsumers; ++c) {
      consumers.emplace_back([&ch, &got, c, ctx = ctx] {
        while (auto v = recv_any(ch, ctx, true)) {
          got[c].push_back(std::move(*v));
        }
      });
    }
    for (std::uint32_t p = 0; p < kProducers; ++p) {
      producers.emplace_back([&ch, p, ctx = ctx] {
        for (std::uint32_t s = 0; s < kItems; ++s) {
          send_any(ch, item(p, s), ctx, true);
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
    unwind_if_failed();
    expect_clean(exactly_once(std::vector<std::size_t>(kProducers, kItems), got));
    cancel();
  });
  EXPECT_TRUE(passed(report));
}

// Receivers blocked in recv (every blocking form) when the channel is closed all wake
// and report "closed"; values sent before the close are received exactly once first.
TEST_P(ChannelStress, CloseWakesBlockedReceivers) {
  constexpr std::size_t kReceivers = 3;
  const std::size_t cap = capacity();
  std::atomic<std::size_t> closed_on_blocked{0};
  const auto report = weft::stress::run(budget(name("close/receivers"), 150), [&, cap] {
    const channel<item> ch(cap);
    auto [ctx, cancel] = live_context();
    std::vector<std::vector<item>> got(kReceivers);
    std::vector<weft::thread> receivers;
    for (std::size_t r = 0; r < kReceivers; ++r) {
      receivers.emplace_back([&ch, &got, r, ctx = ctx] {
        while (auto v = recv_any(ch, ctx, false)) {
          got[r].push_back(std::move(*v));
        }
      });
    }
    const auto n = static_cast<std::uint32_t>(choose(4));
    for (std::uint32_t s = 0; s < n; ++s) {
      ch.send(item(0, s));
    }
    if (choose(2) == 0) {  // half the rounds: close only once every receiver is parked
      wait_until([&] { return blocked_receivers(ch) == kReceivers; });
    }
    if (blocked_receivers(ch) == kReceivers) closed_on_blocked.fetch_add(1);
    ch.close();
    for (auto& t : receivers) {
      t.join();
    }
    unwind_if_failed();
    expect_clean(exactly_once({n}, got));
    WEFT_ASSERT(ch.try_recv().status == channel_status::closed);
    cancel();
  });
  EXPECT_TRUE(passed(report));
  if (report.ok()) {
    EXPECT_GT(closed_on_blocked.load(), 0u) << "no round closed on parked receivers";
  }
}

// Senders blocked in send when the channel is closed all throw weft::channel_closed;
// every send that returned normally delivered its value (drained after the close),
// every send that threw delivered nothing.
TEST_P(ChannelStress, CloseWakesBlockedSenders) {
  constexpr std::uint32_t kSenders = 3;
  const std::size_t cap = capacity();
  std::atomic<std::size_t> closed_on_blocked{0};
  const auto report = weft::stress::run(budget(name("close/senders"), 150), [&, cap] {
    const channel<item> ch(cap);
    auto [ctx, cancel] = live_context();
    std::vector<std::size_t> sent(kSenders, 0);
    std::vector<weft::thread> senders;
    for (std::uint32_t p = 0; p < kSenders; ++p) {
      senders.emplace_back([&ch, &sent, p, ctx = ctx] {
        for (std::uint32_t s = 0;; ++s) {
          try {
            send_any(ch, item(p, s), ctx, false);
          } catch (const weft::channel_closed&) {
            return;
          }
          sent[p] = s + 1;
        }
      });
    }
    std::vector<std::vector<item>> got(1);
    const std::size_t early = choose(2 * std::size_t{kSenders});
    for (std::size_t i = 0; i < early; ++i) {
      auto v = ch.recv();
      WEFT_ASSERT(v.has_value());  // the senders never stop before the close
      got[0].push_back(std::move(*v));
    }
    if (choose(2) == 0) {  // half the rounds: close only once every sender is parked
      wait_until([&] { return blocked_senders(ch) == kSenders; });
    }
    if (blocked_senders(ch) == kSenders) closed_on_blocked.fetch_add(1);
    ch.close();
    for (auto& t : senders) {
      t.join();
    }
    unwind_if_failed();
    while (auto v = ch.recv()) {  // what the buffer still held
      got[0].push_back(std::move(*v));
    }
    expect_clean(exactly_once(sent, got));
    cancel();
  });
  EXPECT_TRUE(passed(report));
  if (report.ok()) {
    EXPECT_GT(closed_on_blocked.load(), 0u) << "no round closed on parked senders";
  }
}

// Only timed forms, with timeouts from 0 to 200 us: a timed-out send kept its value, a
// timed-out receive took nothing, and a timeout is never early.
TEST_P(ChannelStress, TimedOperationsTimeOutCleanly) {
  constexpr std::uint32_t kProducers = 2;
  constexpr std::size_t kConsumers = 2;
  constexpr std::uint32_t kItems = 16;
  const std::size_t cap = capacity();
  const auto report = weft::stress::run(budget(name("timed"), 100), [cap] {
    const channel<item> ch(cap);
    std::vector<std::vector<item>> got(kConsumers);
    std::vector<weft::thread> threads;
    for (std::size_t c = 0; c < kConsumers; ++c) {
      threads.emplace_back([&ch, &got, c] {
        for (;;) {
          const auto d = short_timeout();
          const auto t0 = weft::clock::now();
          auto r = ch.recv_for(d);
          if (r) {
            got[c].push_back(std::move(*r));
          } else if (r.status == channel_status::closed) {
            return;
          } else {
            WEFT_ASSERT(r.status == channel_status::timeout);
            WEFT_ASSERT(weft::clock::now() - t0 >= d);
          }
        }
      });
    }
    std::vector<weft::thread> producers;
    for (std::uint32_t p = 0; p < kProducers; ++p) {
      producers.emplace_back([&ch, p] {
        for (std::uint32_t s = 0; s < kItems; ++s) {
          item it(p, s);
          for (;;) {
            const auto d = short_timeout();
            const auto t0 = weft::clock::now();
            const channel_status st = choose(2) == 0
                                          ? ch.send_for(std::move(it), d)
                                          : ch.send_until(std::move(it), weft::clock::now() + d);
            if (st == channel_status::ok) break;
            WEFT_ASSERT(st == channel_status::timeout);
            WEFT_ASSERT(it.intact());  // NOLINT(bugprone-use-after-move): not moved from
            WEFT_ASSERT(weft::clock::now() - t0 >= d);
          }
        }
      });
    }
    for (auto& t : producers) {
      t.join();
    }
    ch.close();
    for (auto& t : threads) {
      t.join();
    }
    unwind_if_failed();
    expect_clean(exactly_once(std::vector<std::size_t>(kProducers, kItems), got));
  });
  EXPECT_TRUE(passed(report));
}

INSTANTIATE_TEST_SUITE_P(Capacities, ChannelStress, ::testing::Values(0u, 1u, 8u),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                           return info.param == 0 ? std::string("rendezvous")
                                                  : "buffered" + std::to_string(info.param);
                         });

}  // namespace
