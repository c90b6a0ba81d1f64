// Stress suite of weft::context: real threads, injected delays.
//
// Cancellation storms on a tree of contexts while other threads register and stop
// after_cancel callbacks, grow new children and wait; concurrent cancels racing
// callback registration; deadline contexts whose timers race explicit cancels and
// context-aware channel operations. After each round the tree must be exactly as the
// cancels say (a context is done iff it or an ancestor was cancelled), every callback
// that was not stopped in time must have run exactly once, and err() never changes once
// set.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "stress_suite.hpp"
#include "weft/channel.hpp"
#include "weft/context.hpp"
#include "weft/select.hpp"
#include "weft/stress.hpp"
#include "weft/sync.hpp"

namespace {

using namespace std::chrono_literals;
using weft::context;
using weft::context_errc;
using weft::model::choose;
using weft::stress_suite::budget;
using weft::stress_suite::expect_clean;
using weft::stress_suite::item;
using weft::stress_suite::passed;
using weft::stress_suite::unwind_if_failed;

bool is_done(const context& c) {
  return static_cast<bool>(c.err());
}

// Polls `pred`; each poll is a facade operation, so a hang is reported and unwound.
template <class Pred>
void wait_until(Pred pred) {
  while (!pred()) {
    weft::this_thread::yield();
  }
}

// Blocks until `c` is done, with a randomly picked way of waiting.
void wait_done(const context& c) {
  switch (choose(4)) {
    case 0:
      c.wait();
      break;
    case 1:
      weft::select(weft::done(c));
      break;
    case 2:
      WEFT_ASSERT(!c.done().recv().has_value());  // the done channel is closed, never sent on
      break;
    default:
      while (!c.wait_for(200us)) {
      }
      break;
  }
}

// One after_cancel registration and what became of it.
struct callback_record {
  std::size_t node = 0;
  weft::atomic<int> runs{0};
  bool stopped = false;  // stop() returned true: it must never run
};

// A tree of contexts: node 0 is the root, 1..3 its children, 4..9 their children.
struct tree {
  static constexpr std::size_t kSize = 10;
  static constexpr std::array<int, kSize> kParent = {-1, 0, 0, 0, 1, 1, 2, 2, 3, 3};
  std::vector<context> ctx;
  std::vector<weft::cancel_func> cancel;

  tree() {
    for (std::size_t i = 0; i < kSize; ++i) {
      const context parent = kParent[i] < 0 ? weft::background() : ctx[kParent[i]];
      auto [c, f] = weft::with_cancel(parent);
      ctx.push_back(c);
      cancel.push_back(f);
    }
  }

  // Done iff the node or an ancestor was cancelled.
  static bool expected_done(std::size_t i, const std::vector<bool>& cancelled) {
    for (int n = static_cast<int>(i); n >= 0; n = kParent[n]) {
      if (cancelled[n]) return true;
    }
    return false;
  }
};

std::string check_tree(const tree& t, const std::vector<bool>& cancelled) {
  for (std::size_t i = 0; i < tree::kSize; ++i) {
    const bool want = tree::expected_done(i, cancelled);
    const std::error_code err = t.ctx[i].err();
    if (static_cast<bool>(err) != want) {
      return "context " + std::to_string(i) +
             (want ? " should be done but is live"
                   : " is done but neither it nor an "
                     "ancestor was cancelled");
    }
    if (want && err != context_errc::cancelled) {
      return "context " + std::to_string(i) + " is done with " + err.message();
    }
    if (want && !t.ctx[i].stop_token().stop_requested()) {
      return "context " + std::to_string(i) + " is done but its stop_token is not stopped";
    }
  }
  return {};
}

// Two threads cancel random subtrees while one registers (and sometimes stops)
// after_cancel callbacks on random nodes, one grows new children under random nodes,
// and one waits for a random node to be done. Then the tree must match the cancels,
// callbacks must have run exactly once on done nodes and never on live ones; finally
// the root is cancelled and everything must be done, every callback run exactly once.
TEST(ContextStress, CancellationStormOnATree) {
  constexpr std::size_t kCancelsPerThread = 2;
  constexpr std::size_t kRegistrations = 6;
  constexpr std::size_t kNewChildren = 4;
  const auto report = weft::stress::run(budget("context/storm", 150), [] {
    // Declared before the tree: a context that is destroyed live drops its callbacks.
    std::vector<callback_record> callbacks(kRegistrations);
    tree t;
    std::vector<std::vector<std::size_t>> cancelled_by(2);
    std::vector<std::pair<context, weft::cancel_func>> children;
    std::vector<std::size_t> child_parent;

    std::vector<weft::thread> threads;
    for (std::size_t k = 0; k < 2; ++k) {
      threads.emplace_back([&t, &cancelled_by, k] {
        for (std::size_t i = 0; i < kCancelsPerThread; ++i) {
          const std::size_t n = 1 + choose(tree::kSize - 1);  // never the root (yet)
          cancelled_by[k].push_back(n);
          t.cancel[n]();
        }
      });
    }
    threads.emplace_back([&t, &callbacks] {
      for (callback_record& cb : callbacks) {
        cb.node = choose(tree::kSize);
        auto h = t.ctx[cb.node].after_cancel([&cb] { cb.runs.fetch_add(1); });
        if (choose(3) == 0) {
          cb.stopped = h.stop();
          // stop() that did not prevent the call waits until the callback has returned.
          WEFT_ASSERT(cb.stopped || cb.runs.load() == 1);
        }
      }
    });
    threads.emplace_back([&t, &children, &child_parent] {
      for (std::size_t i = 0; i < kNewChildren; ++i) {
        const std::size_t p = choose(tree::kSize);
        children.push_back(weft::with_cancel(t.ctx[p]));
        child_parent.push_back(p);
      }
    });
    const context watched = t.ctx[choose(tree::kSize)];
    weft::thread waiter([watched] {
      wait_done(watched);
      WEFT_ASSERT(watched.err() == context_errc::cancelled);
    });
    for (auto& th : threads) {
      th.join();
    }
    unwind_if_failed();

    std::vector<bool> cancelled(tree::kSize, false);
    for (const auto& list : cancelled_by) {
      for (std::size_t n : list) {
        cancelled[n] = true;
      }
    }
    expect_clean(check_tree(t, cancelled));
    for (const callback_record& cb : callbacks) {
      const int want = !cb.stopped && tree::expected_done(cb.node, cancelled) ? 1 : 0;
      if (cb.runs.load() != want) {
        expect_clean("callback on context " + std::to_string(cb.node) + " ran " +
                     std::to_string(cb.runs.load()) + " time(s), expected " + std::to_string(want));
      }
    }
    for (std::size_t i = 0; i < children.size(); ++i) {
      const bool want = tree::expected_done(child_parent[i], cancelled);
      WEFT_ASSERT(is_done(children[i].first) == want);
    }

    t.cancel[0]();  // everything is done now
    waiter.join();
    unwind_if_failed();
    expect_clean(check_tree(t, std::vector<bool>(tree::kSize, true)));
    for (const callback_record& cb : callbacks) {
      WEFT_ASSERT(cb.runs.load() == (cb.stopped ? 0 : 1));
    }
    for (const auto& c : children) {
      WEFT_ASSERT(c.first.err() == context_errc::cancelled);
    }
  });
  EXPECT_TRUE(passed(report));
}

// Three threads cancel one context at the same moment while two register callbacks
// and stop some of them: each callback runs exactly once unless its stop() returned
// true, and a stop() that returned false returns only after the callback finished.
TEST(ContextStress, AfterCancelRunsExactlyOnceUnderConcurrentCancels) {
  constexpr std::size_t kPerRegistrar = 4;
  const auto report = weft::stress::run(budget("context/after_cancel", 200), [] {
    std::vector<callback_record> callbacks(2 * kPerRegistrar);
    std::vector<weft::atomic<bool>> finished(callbacks.size());
    auto [ctx, cancel] = weft::with_cancel(weft::background());
    std::vector<weft::thread> threads;
    for (std::size_t r = 0; r < 2; ++r) {
      threads.emplace_back([&, r, ctx = ctx] {
        for (std::size_t i = r * kPerRegistrar; i < (r + 1) * kPerRegistrar; ++i) {
          callback_record& cb = callbacks[i];
          weft::atomic<bool>& fin = finished[i];
          auto h = ctx.after_cancel([&cb, &fin] {
            cb.runs.fetch_add(1);
            weft::this_thread::yield();  // a window for a concurrent stop()
            fin.store(true);
          });
          if (choose(2) == 0) {
            cb.stopped = h.stop();
            WEFT_ASSERT(cb.stopped || fin.load());
          }
        }
      });
    }
    for (std::size_t k = 0; k < 3; ++k) {
      threads.emplace_back([cancel = cancel] { cancel(); });
    }
    for (auto& th : threads) {
      th.join();
    }
    unwind_if_failed();
    WEFT_ASSERT(ctx.err() == context_errc::cancelled);
    for (std::size_t i = 0; i < callbacks.size(); ++i) {
      const int want = callbacks[i].stopped ? 0 : 1;
      if (callbacks[i].runs.load() != want || finished[i].load() != (want == 1)) {
        expect_clean("callback " + std::to_string(i) + " ran " +
                     std::to_string(callbacks[i].runs.load()) + " time(s), expected " +
                     std::to_string(want));
      }
    }
  });
  EXPECT_TRUE(passed(report));
}

// Deadline contexts (0 to 300 us away) under a deadline parent: waiters in every form
// wake, err() is set once and never changes, a racing cancel() wins or loses cleanly,
// after_cancel callbacks run exactly once (from the timer thread or the canceller), and
// a context-aware send and receive on a rendezvous channel agree: the item was either
// delivered (both ok) or not (neither).
TEST(ContextStress, DeadlineContextsRaceTimersAndCancels) {
  const auto report = weft::stress::run(budget("context/deadlines", 150), [] {
    static constexpr std::chrono::microseconds kAway[] = {0us, 50us, 300us};
    std::array<weft::atomic<int>, 4> runs{};  // outlives the contexts and their timers
    auto [parent, cancel_parent] = weft::with_timeout(weft::background(), kAway[choose(3)]);
    auto [timed, cancel_timed] = weft::with_timeout(parent, kAway[choose(3)]);
    auto [plain, cancel_plain] = weft::with_cancel(parent);
    auto [until, cancel_until] =
        weft::with_deadline(parent, std::chrono::steady_clock::now() + kAway[choose(3)]);
    const std::array<context, 4> all{parent, timed, plain, until};
    WEFT_ASSERT(parent.deadline().has_value());
    for (const context& c : all) {
      WEFT_ASSERT(c.deadline().has_value() && *c.deadline() <= *parent.deadline());
    }

    std::vector<weft::after_cancel_handle> handles;
    for (std::size_t i = 0; i < all.size(); ++i) {
      handles.push_back(all[i].after_cancel([&runs, i] { runs[i].fetch_add(1); }));
    }

    std::vector<weft::thread> threads;
    threads.reserve(all.size());
    for (const context& c : all) {
      threads.emplace_back([c] {
        wait_done(c);
        const std::error_code first = c.err();
        WEFT_ASSERT(first == context_errc::deadline_exceeded || first == context_errc::cancelled);
        WEFT_ASSERT(c.err() == first);
      });
    }
    const bool race_cancel = choose(2) == 0;
    if (race_cancel) threads.emplace_back([cancel_plain = cancel_plain] { cancel_plain(); });

    // A context-aware rendezvous: delivered to the receiver iff the send reported ok.
    const weft::channel<item> ch;
    std::optional<item> received;
    weft::channel_status sent = weft::channel_status::would_block;
    threads.emplace_back([&received, ch, plain = plain] {
      auto r = ch.recv(plain);
      WEFT_ASSERT(r.status == weft::channel_status::ok ||
                  r.status == weft::channel_status::cancelled);
      if (r) received = std::move(*r);
    });
    threads.emplace_back([&sent, ch, timed = timed] {
      item it(0, 0);
      sent = ch.send(std::move(it), timed);
      // A refused send leaves the value intact (the contract under test).
      // NOLINTNEXTLINE(bugprone-use-after-move)
      WEFT_ASSERT(sent == weft::channel_status::ok ? !it.intact() : it.intact());
    });
    for (auto& th : threads) {
      th.join();
    }
    unwind_if_failed();

    WEFT_ASSERT((sent == weft::channel_status::ok) == received.has_value());
    WEFT_ASSERT(!received || received->intact());
    WEFT_ASSERT(parent.err() == context_errc::deadline_exceeded);
    WEFT_ASSERT(timed.err() == context_errc::deadline_exceeded);
    WEFT_ASSERT(until.err() == context_errc::deadline_exceeded);
    WEFT_ASSERT(plain.err() == context_errc::deadline_exceeded ||
                (race_cancel && plain.err() == context_errc::cancelled));
    // Callbacks of a deadline run on the timer thread, maybe after the waiters woke.
    for (auto& n : runs) {
      wait_until([&n] { return n.load() >= 1; });
    }
    const std::error_code before = plain.err();
    cancel_parent();
    cancel_timed();
    cancel_plain();
    cancel_until();
    WEFT_ASSERT(plain.err() == before && parent.err() == context_errc::deadline_exceeded);
    for (auto& n : runs) {
      WEFT_ASSERT(n.load() == 1);
    }
  });
  EXPECT_TRUE(passed(report));
}

}  // namespace
