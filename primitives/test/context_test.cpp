// Unit tests of weft::context: cancellation trees, deadlines, after_cancel, stop_token.
#include "weft/context.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <vector>

#include "test_util.hpp"
#include "weft/select.hpp"
#include "weft/sync.hpp"

namespace {

using namespace std::chrono_literals;
using weft::context;
using weft::context_errc;
using weft::test::eventually;
using weft::test::kHang;

bool is_done(const context& c) {
  return static_cast<bool>(c.err());
}

TEST(Context, BackgroundIsNeverDone) {
  const context bg = weft::background();
  EXPECT_FALSE(bg.err());
  EXPECT_FALSE(bg.deadline().has_value());
  EXPECT_TRUE(bg.done().is_nil());
  EXPECT_FALSE(bg.wait_for(5ms));
  EXPECT_FALSE(bg.stop_token().stop_possible());
  EXPECT_TRUE(bg == context());
  auto h = bg.after_cancel([] { FAIL() << "background is never cancelled"; });
  EXPECT_TRUE(h.stop());
  EXPECT_FALSE(h.stop());
}

TEST(Context, CancelMakesItDone) {
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  EXPECT_FALSE(ctx.err());
  EXPECT_FALSE(ctx.wait_for(1ms));
  EXPECT_EQ(ctx.done().try_recv().status, weft::channel_status::would_block);
  cancel();
  EXPECT_EQ(ctx.err(), context_errc::cancelled);
  EXPECT_NE(ctx.err(), context_errc::deadline_exceeded);
  EXPECT_EQ(ctx.err().message(), "context cancelled");
  EXPECT_EQ(ctx.done().try_recv().status, weft::channel_status::closed);
  ctx.wait();  // returns at once
  EXPECT_TRUE(ctx.wait_for(0ms));
  cancel();  // idempotent
  EXPECT_EQ(ctx.err(), context_errc::cancelled);
}

TEST(Context, WaitIsWokenByCancelFromAnotherThread) {
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  std::atomic<bool> woke{false};
  weft::thread waiter([&, c = ctx] {
    c.wait();
    woke = true;
  });
  const auto done = ctx.done();
  ASSERT_TRUE(eventually([&] { return weft::test::blocked_receivers(done) == 1; }));
  EXPECT_FALSE(woke.load());
  cancel();
  waiter.join();
  EXPECT_TRUE(woke.load());
}

TEST(Context, CancellationFlowsDownNeverUp) {
  auto [root, cancel_root] = weft::with_cancel(weft::background());
  auto [a, cancel_a] = weft::with_cancel(root);
  auto [b, cancel_b] = weft::with_cancel(root);
  auto [a1, cancel_a1] = weft::with_cancel(a);
  auto [a2, cancel_a2] = weft::with_timeout(a, 1h);

  cancel_a1();  // a leaf: nothing else
  EXPECT_TRUE(is_done(a1));
  EXPECT_FALSE(is_done(a));
  EXPECT_FALSE(is_done(a2));
  EXPECT_FALSE(is_done(root));

  cancel_a();  // a subtree
  EXPECT_TRUE(is_done(a));
  EXPECT_EQ(a2.err(), context_errc::cancelled);
  EXPECT_TRUE(a2.wait_for(0ms));
  EXPECT_FALSE(is_done(b));
  EXPECT_FALSE(is_done(root));

  cancel_root();  // everything
  EXPECT_EQ(b.err(), context_errc::cancelled);
  EXPECT_EQ(root.err(), context_errc::cancelled);
  cancel_b();
  cancel_a2();
}

TEST(Context, ChildOfADoneParentIsBornDone) {
  auto [parent, cancel] = weft::with_cancel(weft::background());
  cancel();
  auto [child, cancel_child] = weft::with_cancel(parent);
  EXPECT_EQ(child.err(), context_errc::cancelled);
  EXPECT_TRUE(child.wait_for(0ms));
  cancel_child();
}

TEST(Context, DestroyedChildrenUnlinkFromTheirParent) {
  auto [parent, cancel] = weft::with_cancel(weft::background());
  for (int i = 0; i < 1000; ++i) {
    auto [child, cancel_child] = weft::with_cancel(parent);
    if (i % 2 == 0) {
      cancel_child();  // cancelled children unlink too
    }
  }
  cancel();  // walks an empty child list
  EXPECT_EQ(parent.err(), context_errc::cancelled);
}

TEST(Context, DeadlineExceeded) {
  auto [ctx, cancel] = weft::with_timeout(weft::background(), 30ms);
  ASSERT_TRUE(ctx.deadline().has_value());
  EXPECT_LE(*ctx.deadline(), weft::clock::now() + 30ms);
  const auto start = weft::clock::now();
  EXPECT_TRUE(ctx.wait_for(kHang));
  EXPECT_GE(weft::clock::now() - start, 25ms);
  EXPECT_EQ(ctx.err(), context_errc::deadline_exceeded);
  EXPECT_EQ(ctx.err().message(), "context deadline exceeded");
  cancel();  // does not change the reason
  EXPECT_EQ(ctx.err(), context_errc::deadline_exceeded);
}

TEST(Context, DeadlineInThePastIsDoneAtOnce) {
  auto [ctx, cancel] = weft::with_deadline(weft::background(), weft::clock::now() - 1s);
  EXPECT_EQ(ctx.err(), context_errc::deadline_exceeded);
  auto [c2, cancel2] =
      weft::with_deadline(weft::background(), std::chrono::system_clock::now() - 1s);
  EXPECT_EQ(c2.err(), context_errc::deadline_exceeded);
  cancel();
  cancel2();
}

TEST(Context, ChildInheritsTheEarlierDeadline) {
  auto [parent, cancel_parent] = weft::with_timeout(weft::background(), 30ms);
  auto [child, cancel_child] = weft::with_timeout(parent, 1h);
  auto [plain, cancel_plain] = weft::with_cancel(parent);
  EXPECT_EQ(child.deadline(), parent.deadline());
  EXPECT_EQ(plain.deadline(), parent.deadline());
  EXPECT_TRUE(plain.wait_for(kHang));
  EXPECT_EQ(plain.err(), context_errc::deadline_exceeded);
  EXPECT_EQ(child.err(), context_errc::deadline_exceeded);
  EXPECT_EQ(parent.err(), context_errc::deadline_exceeded);

  // A child's own earlier deadline does not affect the parent.
  auto [p2, cancel_p2] = weft::with_timeout(weft::background(), 1h);
  auto [c2, cancel_c2] = weft::with_timeout(p2, 10ms);
  EXPECT_TRUE(c2.wait_for(kHang));
  EXPECT_EQ(c2.err(), context_errc::deadline_exceeded);
  EXPECT_FALSE(p2.err());
  cancel_parent();
  cancel_child();
  cancel_plain();
  cancel_p2();
  cancel_c2();
}

TEST(Context, RawDoneChannelClosesAtTheDeadline) {
  // done() needs the timer thread: nobody else looks at the deadline.
  auto [ctx, cancel] = weft::with_timeout(weft::background(), 20ms);
  auto done = ctx.done();
  EXPECT_EQ(done.recv_for(kHang).status, weft::channel_status::closed);
  EXPECT_EQ(ctx.err(), context_errc::deadline_exceeded);
  cancel();
}

TEST(Context, AfterCancelRunsExactlyOnce) {
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  std::atomic<int> runs{0};
  auto h = ctx.after_cancel([&] { runs.fetch_add(1); });
  EXPECT_EQ(runs.load(), 0);
  std::vector<weft::thread> cancellers;
  cancellers.reserve(4);
  for (int i = 0; i < 4; ++i) {
    cancellers.emplace_back([c = cancel] { c(); });
  }
  for (auto& t : cancellers) {
    t.join();
  }
  EXPECT_EQ(runs.load(), 1);
  EXPECT_FALSE(h.stop());  // already ran
  cancel();
  EXPECT_EQ(runs.load(), 1);
}

TEST(Context, AfterCancelStopPreventsTheCall) {
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  std::atomic<int> runs{0};
  auto h = ctx.after_cancel([&] { runs.fetch_add(1); });
  auto keep = ctx.after_cancel([&] { runs.fetch_add(10); });
  EXPECT_TRUE(h.stop());
  EXPECT_FALSE(h.stop());  // second stop: nothing left to prevent
  cancel();
  EXPECT_EQ(runs.load(), 10);
  (void)keep;
}

TEST(Context, AfterCancelOnADoneContextRunsImmediately) {
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  cancel();
  int runs = 0;
  auto h = ctx.after_cancel([&] { ++runs; });
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(h.stop());
}

TEST(Context, AfterCancelRunsForDescendantsAndAtTheDeadline) {
  auto [parent, cancel] = weft::with_cancel(weft::background());
  auto [child, cancel_child] = weft::with_cancel(parent);
  std::atomic<int> runs{0};
  child.after_cancel([&] { runs.fetch_add(1); });
  cancel();
  EXPECT_EQ(runs.load(), 1);

  // Nobody waits on this context: the deadline reaches the callback through the
  // context's timer thread.
  auto [timed, cancel_timed] = weft::with_timeout(weft::background(), 20ms);
  std::mutex m;
  std::condition_variable cv;
  bool fired = false;
  std::error_code seen;
  timed.after_cancel([&, c = timed] {
    std::lock_guard<std::mutex> g(m);
    fired = true;
    seen = c.err();
    cv.notify_all();
  });
  {
    std::unique_lock<std::mutex> lock(m);
    ASSERT_TRUE(cv.wait_for(lock, kHang, [&] { return fired; }));
  }
  EXPECT_EQ(seen, context_errc::deadline_exceeded);
  cancel_child();
  cancel_timed();
}

TEST(Context, StopWaitsForARunningCallback) {
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  std::mutex m;
  std::condition_variable cv;
  bool started = false;
  bool release = false;
  std::atomic<bool> finished{false};
  auto h = ctx.after_cancel([&] {
    std::unique_lock<std::mutex> lock(m);
    started = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    finished = true;
  });
  weft::thread canceller([c = cancel] { c(); });
  {
    std::unique_lock<std::mutex> lock(m);
    ASSERT_TRUE(cv.wait_for(lock, kHang, [&] { return started; }));
  }
  std::atomic<bool> stopping{false};
  bool finished_when_stop_returned = false;
  weft::thread stopper([&] {
    stopping = true;
    EXPECT_FALSE(h.stop());
    finished_when_stop_returned = finished.load();
  });
  ASSERT_TRUE(eventually([&] { return stopping.load(); }));
  {
    std::lock_guard<std::mutex> g(m);
    release = true;
  }
  cv.notify_all();
  stopper.join();
  canceller.join();
  EXPECT_TRUE(finished_when_stop_returned);
}

TEST(Context, StopFromInsideTheCallbackDoesNotDeadlock) {
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  weft::after_cancel_handle h;
  bool stop_result = true;
  h = ctx.after_cancel([&] { stop_result = h.stop(); });
  cancel();
  EXPECT_FALSE(stop_result);
}

TEST(Context, StopTokenIsRequestedWhenDone) {
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  std::stop_token token = ctx.stop_token();
  EXPECT_TRUE(token.stop_possible());
  EXPECT_FALSE(token.stop_requested());
  std::atomic<int> callbacks{0};
  std::stop_callback cb(token, [&] { callbacks.fetch_add(1); });
  cancel();
  EXPECT_TRUE(token.stop_requested());
  EXPECT_EQ(callbacks.load(), 1);
  EXPECT_TRUE(ctx.stop_token().stop_requested());

  auto [timed, cancel_timed] = weft::with_timeout(weft::background(), 20ms);
  std::stop_token t2 = timed.stop_token();  // starts the timer
  ASSERT_TRUE(eventually([&] { return t2.stop_requested(); }));
  EXPECT_EQ(timed.err(), context_errc::deadline_exceeded);
  cancel_timed();
}

TEST(Context, WithStopToken) {
  std::stop_source src;
  auto [ctx, cancel] = weft::with_stop_token(weft::background(), src.get_token());
  EXPECT_FALSE(ctx.err());
  weft::thread waiter([c = ctx] { EXPECT_TRUE(c.wait_for(kHang)); });
  src.request_stop();
  waiter.join();
  EXPECT_EQ(ctx.err(), context_errc::cancelled);

  std::stop_source already;
  already.request_stop();
  auto [c2, cancel2] = weft::with_stop_token(weft::background(), already.get_token());
  EXPECT_EQ(c2.err(), context_errc::cancelled);

  // Destroying the context unregisters from the token.
  std::stop_source later;
  (void)weft::with_stop_token(weft::background(), later.get_token());  // dropped at once
  later.request_stop();
  cancel();
  cancel2();
}

TEST(Context, DestroyingContextsWithPendingTimersDoesNotHang) {
  for (int i = 0; i < 20; ++i) {
    auto [ctx, cancel] = weft::with_timeout(weft::background(), 1h);
    auto done = ctx.done();            // starts its timer thread
    auto h = ctx.after_cancel([] {});  // so would this
    auto token = ctx.stop_token();     // and this
    if (i % 2 == 0) {
      cancel();  // cancelled or not, destruction joins it
    }
  }
  SUCCEED();
}

TEST(Context, TimerThreadMayDropTheLastReference) {
  // The callback holds the only remaining reference to its own context (a cycle that
  // keeps it alive until the deadline); the timer thread runs the callback, which
  // releases that reference, so the context is destroyed on the timer thread itself.
  std::mutex m;
  std::condition_variable cv;
  bool fired = false;
  std::error_code seen;
  {
    auto [ctx, cancel] = weft::with_timeout(weft::background(), 5ms);
    ctx.after_cancel([&, self = ctx] {
      std::lock_guard<std::mutex> g(m);
      fired = true;
      seen = self.err();
      cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(m);
  EXPECT_TRUE(cv.wait_for(lock, kHang, [&] { return fired; }));
  EXPECT_EQ(seen, context_errc::deadline_exceeded);
}

TEST(Context, DroppingEveryHandleDiscardsPendingCallbacks) {
  std::atomic<int> runs{0};
  {
    auto [ctx, cancel] = weft::with_timeout(weft::background(), 1h);
    ctx.after_cancel([&] { runs.fetch_add(1); });  // handle discarded
  }  // joins the timer without running the callback: nobody can cancel it any more
  EXPECT_EQ(runs.load(), 0);
}

TEST(Context, ConcurrentCancellationOfATree) {
  for (int round = 0; round < 50; ++round) {
    auto [root, cancel_root] = weft::with_cancel(weft::background());
    std::vector<std::pair<context, weft::cancel_func>> kids;
    kids.reserve(8);
    for (int i = 0; i < 8; ++i) {
      kids.push_back(weft::with_cancel(root));
    }
    std::atomic<int> runs{0};
    for (auto& k : kids) {
      k.first.after_cancel([&] { runs.fetch_add(1); });
    }
    std::vector<weft::thread> ts;
    ts.emplace_back([c = cancel_root] { c(); });
    for (int i = 0; i < 4; ++i) {
      ts.emplace_back([c = kids[static_cast<std::size_t>(i)].second] { c(); });
    }
    for (auto& t : ts) {
      t.join();
    }
    EXPECT_EQ(runs.load(), 8);
    for (auto& k : kids) {
      EXPECT_EQ(k.first.err(), context_errc::cancelled);
    }
  }
}

TEST(Context, SelectOnDoneAndChannelsWithManyWaiters) {
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  weft::channel<int> ch;
  std::atomic<int> cancelled{0};
  std::vector<weft::thread> ts;
  ts.reserve(4);
  for (int i = 0; i < 4; ++i) {
    ts.emplace_back([&, c = ctx] {
      if (ch.recv(c).status == weft::channel_status::cancelled) {
        cancelled.fetch_add(1);
      }
    });
  }
  ASSERT_TRUE(eventually([&] { return weft::test::blocked_receivers(ch) == 4; }));
  cancel();
  for (auto& t : ts) {
    t.join();
  }
  EXPECT_EQ(cancelled.load(), 4);
}

}  // namespace
