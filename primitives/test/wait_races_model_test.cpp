// Model checks of the races at the heart of blocking operations: a waiter giving up
// (timeout, cancellation) at the same instant another thread completes it, close()
// racing with blocked senders and selects, and after_cancel's stop() racing with cancel.
// Every invariant is "exactly one side wins, and nothing is lost or done twice".
//
// Timeouts run on virtual time: a timed wait expires only when no thread can run, so
// each scenario lines a completer up on the same deadline (it sleeps until then) to make
// "the deadline passed" and "the operation completed" race for real.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>

#include "weft/channel.hpp"
#include "weft/context.hpp"
#include "weft/gtest.hpp"
#include "weft/model.hpp"
#include "weft/select.hpp"
#include "weft/sync.hpp"

namespace {

using namespace std::chrono_literals;
using weft::channel;
using weft::channel_status;

weft::model::options dfs(int preemptions, std::size_t budget = 20000) {
  weft::model::options o;
  o.strategy = weft::model::strategy::dfs;
  o.preemption_bound = preemptions;
  o.max_schedules = budget;
  return o;
}

weft::model::options random_search(std::size_t schedules) {
  weft::model::options o;
  o.strategy = weft::model::strategy::random;
  o.max_schedules = schedules;
  return o;
}

// A timed receive expires exactly when a sender, woken at the same deadline, offers its
// value: either the receive gets it and the send succeeds, or both give up.
TEST(WaitRaces, TimedReceiveVersusLateSender) {
  for (std::size_t cap : {0u, 1u}) {
    auto r = weft::model::check(dfs(2), [cap] {
      channel<int> ch(cap);
      channel_status sent = channel_status::would_block;
      weft::thread sender([&] {
        weft::this_thread::sleep_for(10ms);
        sent = ch.try_send(7);
      });
      const auto got = ch.recv_for(10ms);
      sender.join();
      if (got) {
        WEFT_ASSERT(*got == 7 && sent == channel_status::ok);
      } else {
        WEFT_ASSERT(got.status == channel_status::timeout);
        // At capacity 1 the value may have gone to the buffer instead.
        WEFT_ASSERT(sent == channel_status::would_block || (cap == 1 && ch.size() == 1));
      }
    });
    EXPECT_TRUE(weft::testing::passed(r)) << "capacity " << cap;
  }
}

// The mirror image: a timed send against a receiver arriving at its deadline.
TEST(WaitRaces, TimedSendVersusLateReceiver) {
  auto r = weft::model::check(dfs(2), [] {
    channel<int> ch;
    std::optional<int> got;
    weft::thread receiver([&] {
      weft::this_thread::sleep_for(10ms);
      got = ch.try_recv().value;
    });
    const auto sent = ch.send_for(7, 10ms);
    receiver.join();
    WEFT_ASSERT((sent == channel_status::ok) == (got == 7));
    WEFT_ASSERT(sent == channel_status::ok || sent == channel_status::timeout);
  });
  EXPECT_TRUE(weft::testing::passed(r));
}

// A select with a timeout over two rendezvous channels against two late senders: the
// select fires exactly one case, and a value is received iff its send succeeded.
TEST(WaitRaces, SelectTimeoutVersusLateSenders) {
  auto r = weft::model::check(dfs(2), [] {
    channel<int> a;
    channel<int> b;
    channel_status sa = channel_status::would_block;
    channel_status sb = channel_status::would_block;
    weft::thread ta([&] {
      weft::this_thread::sleep_for(5ms);
      sa = a.try_send(1);
    });
    weft::thread tb([&] {
      weft::this_thread::sleep_for(5ms);
      sb = b.try_send(2);
    });
    int fired = 0;
    std::optional<int> got;
    const auto index = weft::select(weft::recv(a, [&](std::optional<int> v) { ++fired, got = v; }),
                                    weft::recv(b, [&](std::optional<int> v) { ++fired, got = v; }),
                                    weft::timeout(5ms, [&] { ++fired; }));
    ta.join();
    tb.join();
    WEFT_ASSERT(fired == 1);
    WEFT_ASSERT((sa == channel_status::ok) == (index == 0 && got == 1));
    WEFT_ASSERT((sb == channel_status::ok) == (index == 1 && got == 2));
  });
  EXPECT_TRUE(weft::testing::passed(r));
}

// A context-aware receive against a concurrent cancel and a concurrent send: the value
// is received iff the send succeeded, and a cancelled receive took nothing.
TEST(WaitRaces, ContextReceiveVersusCancelAndSend) {
  auto r = weft::model::check(dfs(2), [] {
    channel<int> ch;
    auto [ctx, cancel] = weft::with_cancel(weft::background());
    channel_status sent = channel_status::would_block;
    weft::thread sender([&, c = ctx] { sent = ch.send(7, c); });
    weft::thread canceller([c = cancel] { c(); });
    const auto got = ch.recv(ctx);
    canceller.join();
    sender.join();
    WEFT_ASSERT((got.status == channel_status::ok) == (sent == channel_status::ok));
    WEFT_ASSERT(got.status != channel_status::ok || *got == 7);
    WEFT_ASSERT(ctx.err() == weft::context_errc::cancelled);
  });
  EXPECT_TRUE(weft::testing::passed(r));
}

// close() against a blocked sender and a blocked select-send on the same full channel:
// each sender either got its value in (and it is received) or threw channel_closed.
TEST(WaitRaces, CloseVersusBlockedSenders) {
  auto r = weft::model::check(random_search(3000), [] {
    channel<int> ch(1);
    ch.send(0);
    bool in1 = false;
    bool in2 = false;
    weft::thread s1([&] {
      try {
        ch.send(1);
        in1 = true;
      } catch (const weft::channel_closed&) {
      }
    });
    weft::thread s2([&] {
      try {
        weft::select(weft::send(ch, 2, [&] { in2 = true; }));
      } catch (const weft::channel_closed&) {
      }
    });
    weft::thread closer([&] { ch.close(); });
    bool got1 = false;
    bool got2 = false;
    int received = 0;
    while (auto v = ch.recv()) {
      got1 = got1 || *v == 1;
      got2 = got2 || *v == 2;
      ++received;
    }
    s1.join();
    s2.join();
    closer.join();
    WEFT_ASSERT(got1 == in1);
    WEFT_ASSERT(got2 == in2);
    WEFT_ASSERT(received == 1 + int{in1} + int{in2});
  });
  EXPECT_TRUE(weft::testing::passed(r));
}

// Senders and receivers that all select, over two rendezvous channels: every value is
// received exactly once and nobody is left blocked.
TEST(WaitRaces, SelectBothSidesRendezvous) {
  auto r = weft::model::check(random_search(3000), [] {
    channel<int> a;
    channel<int> b;
    int got[2] = {0, 0};
    weft::thread s1([&] { weft::select(weft::send(a, 0), weft::send(b, 0)); });
    weft::thread s2([&] { weft::select(weft::send(a, 1), weft::send(b, 1)); });
    weft::thread r1([&] {
      weft::select(weft::recv(a, [&](std::optional<int> v) { ++got[*v]; }),
                   weft::recv(b, [&](std::optional<int> v) { ++got[*v]; }));
    });
    weft::select(weft::recv(a, [&](std::optional<int> v) { ++got[*v]; }),
                 weft::recv(b, [&](std::optional<int> v) { ++got[*v]; }));
    s1.join();
    s2.join();
    r1.join();
    WEFT_ASSERT(got[0] == 1 && got[1] == 1);
  });
  EXPECT_TRUE(weft::testing::passed(r));
}

// stop() against cancel: the callback runs iff stop() returned false, never twice, and
// a false stop() returns only after the callback has finished.
TEST(WaitRaces, AfterCancelStopVersusCancel) {
  auto r = weft::model::check(dfs(3), [] {
    auto [ctx, cancel] = weft::with_cancel(weft::background());
    weft::atomic<int> runs{0};
    weft::atomic<bool> finished{false};
    auto h = ctx.after_cancel([&] {
      runs.fetch_add(1);
      finished.store(true);
    });
    weft::thread canceller([c = cancel] { c(); });
    const bool prevented = h.stop();
    const bool finished_at_stop = finished.load();
    canceller.join();
    WEFT_ASSERT(runs.load() == (prevented ? 0 : 1));
    WEFT_ASSERT(prevented || finished_at_stop);
  });
  EXPECT_TRUE(weft::testing::passed(r));
}

// A deadline reached through the raw done() channel (the timer thread) on virtual time;
// destroying the context joins the timer thread, cancelled or not.
TEST(WaitRaces, DeadlineTimerThreadOnVirtualTime) {
  auto r = weft::model::check(dfs(2), [] {
    auto [ctx, cancel] = weft::with_timeout(weft::background(), 1h);
    const auto start = weft::clock::now();
    WEFT_ASSERT(!ctx.done().recv().has_value());  // closed at the deadline
    WEFT_ASSERT(weft::clock::now() - start >= 1h);
    WEFT_ASSERT(ctx.err() == weft::context_errc::deadline_exceeded);

    auto [early, cancel_early] = weft::with_timeout(weft::background(), 1h);
    auto done = early.done();  // starts a timer thread
    weft::thread canceller([c = cancel_early] { c(); });
    WEFT_ASSERT(!done.recv().has_value());
    canceller.join();
    WEFT_ASSERT(early.err() == weft::context_errc::cancelled);
  });
  EXPECT_TRUE(weft::testing::passed(r));
}

}  // namespace
