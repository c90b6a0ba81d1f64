// Relacy tests of contexts (weft/context.hpp, src/context.cpp, compiled into this test in
// the Relacy flavour). The tree itself is guarded by mutexes; the lock-free parts are:
//
//   ctx_node::err_          written once (release) under the node's mutex, read without
//                           it (acquire) by err(), is_done() and every context-aware wait:
//                           a thread that sees the context done sees what the canceller
//                           did before cancelling
//   ctx_callback::state     registered -> running/stopped/finished; stop() reads it
//                           without a lock to decide whether to wait for a running
//                           callback, and after stop() the callback is certainly not
//                           running: its effects are visible, or it never ran
//
// plus the timer thread a deadline starts, and the done channel's close, through the
// parker and claim machinery (parker_relacy_test.cpp).
#include <weft/relacy.hpp>

#include <chrono>
#include <system_error>
#include <utility>

#include "weft/channel.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"

namespace {

using namespace std::chrono_literals;

// ---- 1. cancellation publishes: what the canceller wrote before cancel() is visible to
//         a thread that sees err() set (the usage mutant reads without looking) ---------

template <bool LookFirst>
struct cancel_publishes {
  static constexpr int threads = 2;
  std::pair<weft::context, weft::cancel_func> cc = weft::with_cancel(weft::background());
  weft::var<int> data{0};

  void thread(int index) {
    if (index == 0) {
      data.store(1);
      cc.second();
    } else if (!LookFirst || cc.first.err()) {
      WEFT_ASSERT(!LookFirst || cc.first.err() == weft::context_errc::cancelled);
      (void)data.load();
    }
  }
};

// ---- 2. a wait on the done channel ends with err() set, and a child sees its parent's
//         cancellation ----------------------------------------------------------------

struct wait_for_cancel {
  static constexpr int threads = 2;
  std::pair<weft::context, weft::cancel_func> parent = weft::with_cancel(weft::background());
  std::pair<weft::context, weft::cancel_func> child = weft::with_cancel(parent.first);
  weft::var<int> data{0};

  void thread(int index) {
    if (index == 0) {
      data.store(1);
      parent.second();
    } else {
      child.first.wait();
      WEFT_ASSERT(child.first.err() == weft::context_errc::cancelled);
      WEFT_ASSERT(data.load() == 1);
      WEFT_ASSERT(!child.first.done().recv().has_value());  // closed
    }
  }
};

// ---- 3. after_cancel vs stop(): stop() true means the callback never runs; false means
//         it has finished — its effects visible — by the time stop() returns -----------

struct callback_vs_stop {
  static constexpr int threads = 2;
  std::pair<weft::context, weft::cancel_func> cc = weft::with_cancel(weft::background());
  weft::var<int> ran{0};
  weft::var<int> prevented{-1};
  weft::after_cancel_handle handle = cc.first.after_cancel([this] { ran.store(ran.load() + 1); });

  void thread(int index) {
    if (index == 0) {
      cc.second();  // runs the callback here, after its locks are released
    } else {
      const bool p = handle.stop();
      prevented.store(p ? 1 : 0);
      WEFT_ASSERT(ran.load() == (p ? 0 : 1));  // a race if the callback were still running
    }
  }
  void after() { WEFT_ASSERT(ran.load() == 1 - prevented.load()); }
};

// ---- 4. a deadline: the done channel is closed by the timer thread (a weft::thread,
//         here one of Relacy's dynamic threads) or by an explicit cancel, whichever comes
//         first; the context is then done for the right reason ---------------------------

struct deadline_or_cancel {
  static constexpr int threads = 2;
  static constexpr int spawned_threads = 1;  // the context's timer thread
  std::pair<weft::context, weft::cancel_func> cc = weft::with_timeout(weft::background(), 1ms);
  weft::var<int> cancelled{0};

  void thread(int index) {
    if (index == 0) {
      const auto done = cc.first.done();  // starts the timer
      WEFT_ASSERT(!done.recv().has_value());
      const std::error_code err = cc.first.err();
      WEFT_ASSERT(err == weft::context_errc::cancelled ||
                  err == weft::context_errc::deadline_exceeded);
      if (err == weft::context_errc::deadline_exceeded) {
        WEFT_ASSERT(weft::clock::now() >= weft::clock::time_point(1ms));
      }
    } else if (weft::model::choose(2) == 1) {
      cancelled.store(1);
      cc.second();
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  using weft::relacy::fails_with;
  using weft::relacy::iterations;
  using weft::relacy::passes;
  return weft::relacy::test_main(
      argc, argv,
      {
          passes<cancel_publishes<true>>("context: cancel publishes to err() readers"),
          fails_with<cancel_publishes<false>>("context usage mutant: read without err()",
                                              rl::test_result_data_race),
          passes<wait_for_cancel>("context: wait() on a child ends with the parent's cancel"),
          passes<callback_vs_stop>("context: after_cancel vs stop()", iterations(50000)),
          passes<deadline_or_cancel>("context: deadline (timer thread) vs cancel"),
      });
}
