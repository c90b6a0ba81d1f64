// Relacy tests of channels and select (weft/channel.hpp, weft/select.hpp) under the C++
// memory model. The channel's state is guarded by its mutex; what is lock-free is the
// blocking machinery underneath — the parker's state word and the waiter's claim word,
// CAS-ed by the completing thread under the channel's lock and by a timing-out owner
// without it. These tests drive that machinery through the public API:
//
//   * values carry a pointer to data written before the send and read after the
//     receive, so Relacy's race detector checks that a send happens-before the receive
//     that takes its value (the "usage mutant" writes after the send and is caught);
//   * timed operations and select race a timeout against a completion: values are
//     never lost or duplicated, whichever wins (Relacy decides timeouts freely).
#include <weft/relacy.hpp>

#include <chrono>
#include <cstddef>
#include <optional>

#include "weft/channel.hpp"
#include "weft/errors.hpp"
#include "weft/select.hpp"

namespace {

using namespace std::chrono_literals;

// Data published through a channel by pointer.
struct box {
  weft::var<int> value{0};
};

// ---- 1. send happens-before the receive that takes the value ------------------------

template <std::size_t Capacity, bool WriteAfterSend>
struct publish {
  static constexpr int threads = 2;
  weft::channel<box*> ch{Capacity};
  box boxes[2];

  void thread(int index) {
    if (index == 0) {
      for (int i = 0; i < 2; ++i) {
        if (!WriteAfterSend) boxes[i].value.store(i + 1);
        ch.send(&boxes[i]);
        if (WriteAfterSend) boxes[i].value.store(i + 1);  // the receiver may be reading
      }
      ch.close();
    } else {
      int expected = 1;
      for (box* b : ch) {  // FIFO, until closed and drained
        WEFT_ASSERT(b == &boxes[expected - 1]);
        WEFT_ASSERT(WriteAfterSend || b->value.load() == expected);
        if (WriteAfterSend) (void)b->value.load();
        ++expected;
      }
      WEFT_ASSERT(expected == 3);
    }
  }
};

// ---- 2. a timed send races a timed receive on a rendezvous channel: the value is handed
//         over exactly when both report ok ----------------------------------------------

struct timed_rendezvous {
  static constexpr int threads = 2;
  weft::channel<int> ch;  // capacity 0
  weft::var<int> sent{0};
  weft::var<int> received{0};

  void thread(int index) {
    if (index == 0) {
      sent.store(ch.send_for(7, 1ms) == weft::channel_status::ok ? 1 : 0);
    } else {
      auto r = ch.recv_for(1ms);
      WEFT_ASSERT(r || r.status == weft::channel_status::timeout);
      if (r) WEFT_ASSERT(*r == 7);
      received.store(r ? 1 : 0);
    }
  }
  void after() { WEFT_ASSERT(sent.load() == received.load()); }
};

// ---- 3. select over two channels and a timeout: at most one case fires, and the
//         sender it completed — only that one — reports ok -----------------------------

struct select_two {
  static constexpr int threads = 3;
  weft::channel<box*> a;  // capacity 0
  weft::channel<box*> b;
  box boxes[2];
  weft::var<int> sends_ok[2];
  weft::var<int> fired{-1};

  void thread(int index) {
    if (index == 0) {
      box* got = nullptr;
      const std::size_t f =
          weft::select(weft::recv(a, [&](std::optional<box*> v) { got = *v; }),
                       weft::recv(b, [&](std::optional<box*> v) { got = *v; }), weft::timeout(1ms));
      fired.store(static_cast<int>(f));
      if (f < 2) {
        WEFT_ASSERT(got == &boxes[f]);
        WEFT_ASSERT(got->value.load() == static_cast<int>(f) + 10);
      }
    } else {
      const int i = index - 1;
      boxes[i].value.store(i + 10);
      auto& ch = i == 0 ? a : b;
      sends_ok[i].store(ch.send_for(&boxes[i], 1ms) == weft::channel_status::ok ? 1 : 0);
    }
  }
  void after() {
    const int f = fired.load();
    WEFT_ASSERT(f >= 0 && f <= 2);
    WEFT_ASSERT(sends_ok[0].load() == (f == 0 ? 1 : 0));
    WEFT_ASSERT(sends_ok[1].load() == (f == 1 ? 1 : 0));
  }
};

// ---- 4. close wakes a blocked sender with channel_closed; buffered values stay -------

struct close_wakes_sender {
  static constexpr int threads = 2;
  weft::channel<int> ch{1};
  weft::var<int> accepted{0};  // sends that returned normally

  void thread(int index) {
    if (index == 0) {
      int n = 0;
      try {
        ch.send(1);
        ++n;
        ch.send(2);  // the buffer is full and nobody receives: blocks until the close
        ++n;
      } catch (const weft::channel_closed&) {
      }
      accepted.store(n);
    } else {
      ch.close();
    }
  }
  void after() {
    WEFT_ASSERT(accepted.load() <= 1);
    auto r = ch.try_recv();
    if (accepted.load() == 1) {
      WEFT_ASSERT(r && *r == 1);
      r = ch.try_recv();
    }
    WEFT_ASSERT(r.status == weft::channel_status::closed);
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
          passes<publish<0, false>>("channel: rendezvous send happens-before receive"),
          passes<publish<1, false>>("channel: buffered send happens-before receive, close"),
          fails_with<publish<1, true>>("channel usage mutant: data written after the send",
                                       rl::test_result_data_race),
          passes<timed_rendezvous>("channel: timed send vs timed receive", iterations(50000)),
          passes<select_two>("select: two senders and a timeout", iterations(50000)),
          passes<close_wakes_sender>("channel: close wakes a blocked sender"),
      });
}
