// Stress suite of weft::select: real threads, injected delays.
//
// Selects compete for the same values over several channels — send cases and receive
// cases, in the same select and in different ones, with timeout, deadline, done and
// otherwise cases beside them. After each round stress_suite::exactly_once checks that
// every value a select reported as sent was received exactly once, intact, and that no
// value was taken by a case that did not fire (a timeout, the otherwise case, a send
// case that lost to another case of the same select).
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "stress_suite.hpp"
#include "weft/channel.hpp"
#include "weft/context.hpp"
#include "weft/select.hpp"
#include "weft/stress.hpp"
#include "weft/sync.hpp"

namespace {

using namespace std::chrono_literals;
using weft::channel;
using weft::model::choose;
using weft::stress_suite::budget;
using weft::stress_suite::exactly_once;
using weft::stress_suite::expect_clean;
using weft::stress_suite::item;
using weft::stress_suite::passed;
using weft::stress_suite::short_timeout;
using weft::stress_suite::unwind_if_failed;

// Channel capacities of a suite: all rendezvous, or a mix.
using capacities = std::array<std::size_t, 3>;
constexpr capacities kRendezvous{0, 0, 0};
constexpr capacities kMixed{0, 1, 4};

class SelectStress : public ::testing::TestWithParam<capacities> {
 protected:
  bool all_rendezvous() const { return GetParam() == kRendezvous; }
  std::string name(const char* what) const {
    return std::string(what) + (all_rendezvous() ? "/rendezvous" : "/mixed");
  }
};

// Producers offer each item to three channels at once (three send cases, sometimes a
// timeout case); consumers take from all three (three receive cases, sometimes a
// timeout), and stop selecting on a channel once it reports closed by setting its
// handle to nil — Go's idiom. Each item must arrive exactly once. Only with rendezvous
// channels is per-producer order guaranteed across channels.
TEST_P(SelectStress, ValuesAreTakenExactlyOnceAcrossChannels) {
  constexpr std::uint32_t kProducers = 3;
  constexpr std::size_t kConsumers = 2;
  constexpr std::uint32_t kItems = 20;
  const capacities caps = GetParam();
  const bool fifo = all_rendezvous();
  std::atomic<std::size_t> timeouts{0};
  const auto report = weft::stress::run(budget(name("exactly-once"), 120), [&] {
    const std::array<channel<item>, 3> chans{channel<item>(caps[0]), channel<item>(caps[1]),
                                             channel<item>(caps[2])};
    std::vector<std::vector<item>> got(kConsumers);
    std::vector<weft::thread> consumers;
    for (std::size_t c = 0; c < kConsumers; ++c) {
      consumers.emplace_back([&chans, &got, &timeouts, c] {
        std::array<weft::receiver<item>, 3> open{chans[0], chans[1], chans[2]};
        std::size_t live = open.size();
        auto on = [&](std::size_t i) {
          return [&, i](std::optional<item> v) {
            if (v) {
              got[c].push_back(std::move(*v));
            } else {
              open[i] = nullptr;  // closed and drained: a nil case never fires again
              --live;
            }
          };
        };
        while (live > 0) {
          if (choose(4) == 0) {
            const auto d = short_timeout();
            const auto t0 = weft::clock::now();
            if (weft::select(weft::recv(open[0], on(0)), weft::recv(open[1], on(1)),
                             weft::recv(open[2], on(2)), weft::timeout(d)) == 3) {
              WEFT_ASSERT(weft::clock::now() - t0 >= d);
              timeouts.fetch_add(1, std::memory_order_relaxed);
            }
          } else {
            weft::select(weft::recv(open[0], on(0)), weft::recv(open[1], on(1)),
                         weft::recv(open[2], on(2)));
          }
        }
      });
    }
    std::vector<weft::thread> producers;
    for (std::uint32_t p = 0; p < kProducers; ++p) {
      producers.emplace_back([&chans, p] {
        for (std::uint32_t s = 0; s < kItems;) {
          const item it(p, s);
          std::size_t fired = 0;
          if (choose(4) == 0) {
            fired = weft::select(weft::send(chans[0], it), weft::send(chans[1], it),
                                 weft::send(chans[2], it), weft::timeout(short_timeout()));
          } else {
            fired = weft::select(weft::send(chans[0], it), weft::send(chans[1], it),
                                 weft::send(chans[2], it));
          }
          if (fired < 3) ++s;  // else: timed out, nothing was sent; offer it again
        }
      });
    }
    for (auto& t : producers) {
      t.join();
    }
    for (const auto& ch : chans) {
      ch.close();
    }
    for (auto& t : consumers) {
      t.join();
    }
    unwind_if_failed();
    expect_clean(exactly_once(std::vector<std::size_t>(kProducers, kItems), got, fifo));
  });
  EXPECT_TRUE(passed(report));
}

// Workers whose every select holds a send case and a receive case: even workers send
// on A and receive from B, odd ones the reverse, so a select's two cases compete with
// the opposite cases of other selects. The last worker to finish its sends cancels a
// context; the driver receives from both channels until a done case fires, then drains
// what the buffers still hold.
TEST_P(SelectStress, SendAndReceiveCasesMixed) {
  constexpr std::uint32_t kWorkers = 4;
  constexpr std::uint32_t kItems = 12;
  const capacities caps = GetParam();
  const auto report = weft::stress::run(budget(name("mixed-cases"), 120), [&] {
    const channel<item> a(caps[0]);
    const channel<item> b(caps[2]);
    auto [ctx, cancel] = weft::with_cancel(weft::background());
    weft::atomic<std::uint32_t> finished{0};
    std::vector<std::vector<item>> got(kWorkers + 1);  // the last one is the driver's
    std::vector<weft::thread> workers;
    for (std::uint32_t w = 0; w < kWorkers; ++w) {
      workers.emplace_back([&, w, cancel = cancel] {
        const channel<item>& out = w % 2 == 0 ? a : b;
        const channel<item>& in = w % 2 == 0 ? b : a;
        for (std::uint32_t s = 0; s < kItems;) {
          weft::select(weft::send(out, item(w, s), [&] { ++s; }),
                       weft::recv(in, [&](std::optional<item> v) {
                         WEFT_ASSERT(v.has_value());  // nobody closes the channels
                         got[w].push_back(std::move(*v));
                       }));
        }
        if (finished.fetch_add(1) + 1 == kWorkers) cancel();
      });
    }
    auto keep = [&](std::optional<item> v) {
      WEFT_ASSERT(v.has_value());
      got[kWorkers].push_back(std::move(*v));
    };
    while (weft::select(weft::recv(a, keep), weft::recv(b, keep), weft::done(ctx)) != 2) {
    }
    for (auto& t : workers) {
      t.join();
    }
    unwind_if_failed();
    for (const auto* ch : {&a, &b}) {
      while (auto r = ch->try_recv()) {
        got[kWorkers].push_back(std::move(*r));
      }
    }
    expect_clean(exactly_once(std::vector<std::size_t>(kWorkers, kItems), got));
  });
  EXPECT_TRUE(passed(report));
}

// Receivers race a timeout, a deadline or an otherwise case against one producer: a
// case that is not the receive takes nothing, a timeout is never early, and once the
// producer closes the channel every receiver sees it.
TEST_P(SelectStress, TimeoutsAndDefaultsTakeNothing) {
  constexpr std::size_t kReceivers = 3;
  constexpr std::uint32_t kItems = 30;
  const capacities caps = GetParam();
  const auto report = weft::stress::run(budget(name("timeouts"), 120), [&] {
    const channel<item> ch(caps[1]);
    std::vector<std::vector<item>> got(kReceivers);
    std::vector<weft::thread> receivers;
    for (std::size_t r = 0; r < kReceivers; ++r) {
      receivers.emplace_back([&, r] {
        bool closed = false;
        auto take = [&](std::optional<item> v) {
          if (v) {
            got[r].push_back(std::move(*v));
          } else {
            closed = true;
          }
        };
        while (!closed) {
          const auto d = short_timeout();
          const auto t0 = weft::clock::now();
          switch (choose(3)) {
            case 0:
              if (weft::select(weft::recv(ch, take), weft::timeout(d)) == 1) {
                WEFT_ASSERT(weft::clock::now() - t0 >= d);
              }
              break;
            case 1:  // a deadline on another clock: converted, so no exact lower bound
              weft::select(weft::deadline(std::chrono::steady_clock::now() + d),
                           weft::recv(ch, take));
              break;
            default:
              weft::select(weft::recv(ch, take), weft::otherwise());
              break;
          }
        }
      });
    }
    for (std::uint32_t s = 0; s < kItems; ++s) {
      ch.send(item(0, s));
    }
    ch.close();
    for (auto& t : receivers) {
      t.join();
    }
    unwind_if_failed();
    expect_clean(exactly_once({kItems}, got));
  });
  EXPECT_TRUE(passed(report));
}

INSTANTIATE_TEST_SUITE_P(Channels, SelectStress, ::testing::Values(kRendezvous, kMixed),
                         [](const ::testing::TestParamInfo<capacities>& info) {
                           return std::string(info.param == kRendezvous ? "rendezvous" : "mixed");
                         });

}  // namespace
