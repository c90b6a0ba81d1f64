// channel_fuzzer.cpp — weft::channel and weft::select over fuzzer-chosen programs and
// schedules.
//
// Program (decoded from the end of the input): two channels a and b (capacity 0..3 each),
// a nil channel, a context (cancellable, or with a timeout), and 1..3 workers with 1..5
// operations each: every send form (blocking, try_, _for, context-aware), every receive
// form (plus range-for), four select shapes (blocking; with otherwise; with a timeout;
// with a done(ctx) case), close (of a, b or nil), cancel, sleep, and state snapshots.
// Schedule: the remaining bytes, one per scheduling decision (weft::fuzz::run).
//
// Checked (target_util.hpp describes the settle / check / clean up pattern):
//   * nothing lost or duplicated: after the program, received + still buffered is exactly
//     the multiset of values whose send reported success, per channel;
//   * FIFO: each receiver sees each producer's values on a channel in send order;
//   * failed sends (closed, timeout, cancelled, would_block) did not move from the value;
//   * close: exactly one close() per channel succeeds, the others throw channel_closed;
//     close(nil) throws nil_channel; after a thread saw a channel closed it never sees a
//     send succeed on it or a receive "would block", and after "closed" from a receive it
//     only ever gets "closed" again, and nothing is left buffered at the end;
//   * statuses are the documented ones for each form; a timeout happens no earlier than
//     its deadline; "cancelled" only once the context is done;
//   * select: the returned index is the case whose handler ran, and exactly one ran;
//   * quiescence: no receiver asleep while a value is buffered, no sender asleep while
//     there is room, no sender and receiver asleep on the same channel, nobody asleep on
//     a closed channel or a done context, no timed operation outliving its deadline;
//   * whatever the model checker detects: deadlocks, races on weft::var, livelocks,
//     uncaught exceptions, leaked threads.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "target_util.hpp"
#include "weft/channel.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/fuzz.hpp"
#include "weft/select.hpp"
#include "weft/sync.hpp"

namespace {

using namespace std::chrono_literals;
using weft::fuzz::require;
using weft::fuzz_targets::since;
using weft::fuzz_targets::where;

// A value that knows whether it was moved from: a failed send must leave it intact.
struct item {
  int v = -1;
  bool moved_from = false;
  item() = default;
  explicit item(int x) : v(x) {}
  item(const item&) = default;
  item& operator=(const item&) = default;
  item(item&& o) noexcept : v(o.v) { o.moved_from = true; }
  item& operator=(item&& o) noexcept {
    v = o.v;
    o.moved_from = true;
    return *this;
  }
  ~item() = default;
};

enum class opk : std::uint8_t {
  send,
  try_send,
  send_for,
  send_ctx,
  recv,
  try_recv,
  recv_for,
  recv_ctx,
  range,
  select_block,    // recv(x) | send(y)
  select_default,  // recv(x) | send(y) | otherwise
  select_timeout,  // recv(x) | recv(y) | timeout(d)
  select_done,     // recv(x) | send(y) | done(ctx)
  close,
  cancel,
  sleep,
  inspect,
  count_
};

constexpr const char* kOpNames[] = {
    "send",        "try_send", "send_for", "send_ctx",     "recv",           "try_recv",
    "recv_for",    "recv_ctx", "range",    "select_block", "select_default", "select_timeout",
    "select_done", "close",    "cancel",   "sleep",        "inspect"};
static_assert(std::size(kOpNames) == static_cast<std::size_t>(opk::count_));

constexpr int kNil = 2;  // channel index of the nil channel

struct op {
  opk kind;
  int x;  // channel index 0, 1 or kNil
  int y;  // second channel (selects)
  std::chrono::microseconds d;
};

struct program {
  bool spurious = false;  // spurious wake-ups (target_util.hpp)
  std::size_t cap[2] = {0, 0};
  bool ctx_timeout = false;
  std::chrono::microseconds ctx_after{0};
  std::vector<std::vector<op>> workers;

  std::string describe() const {
    std::ostringstream os;
    os << "  channels: a capacity " << cap[0] << ", b capacity " << cap[1] << ", nil\n"
       << "  context: "
       << (ctx_timeout ? "with_timeout " + std::to_string(ctx_after.count()) + "us"
                       : std::string("with_cancel"))
       << "\n";
    const char* names[] = {"a", "b", "nil"};
    for (std::size_t w = 0; w < workers.size(); ++w) {
      os << "  worker " << w << ":";
      for (const op& o : workers[w]) {
        os << " " << kOpNames[static_cast<int>(o.kind)] << "(" << names[o.x] << "," << names[o.y]
           << "," << o.d.count() << "us)";
      }
      os << "\n";
    }
    return os.str();
  }
};

bool blocks_forever_on_nil(opk k) {
  return k == opk::send || k == opk::recv || k == opk::range;
}

program decode(FuzzedDataProvider& in) {
  program p;
  p.spurious = weft::fuzz_targets::decode_spurious(in);
  p.cap[0] = in.ConsumeIntegralInRange<std::size_t>(0, 3);
  p.cap[1] = in.ConsumeIntegralInRange<std::size_t>(0, 3);
  p.ctx_timeout = in.ConsumeBool();
  p.ctx_after = std::chrono::microseconds(in.ConsumeIntegralInRange<int>(0, 2000));
  const int workers = in.ConsumeIntegralInRange<int>(1, 3);
  p.workers.resize(static_cast<std::size_t>(workers));
  for (auto& ops : p.workers) {
    const int n = in.ConsumeIntegralInRange<int>(1, 5);
    for (int i = 0; i < n; ++i) {
      op o{};
      o.kind = weft::fuzz_targets::pick<opk>(in);
      o.x = in.ConsumeIntegralInRange<int>(0, 2);
      o.y = in.ConsumeIntegralInRange<int>(0, 2);
      o.d = std::chrono::microseconds(in.ConsumeIntegralInRange<int>(0, 1000));
      // Operations that would block forever on the nil channel use a real one instead
      // (a nil channel never wakes anybody: not a bug, but not a terminating program);
      // a blocking select needs one real case.
      if (o.x == kNil && blocks_forever_on_nil(o.kind)) o.x = 0;
      if (o.kind == opk::select_block) o.y %= 2;
      ops.push_back(o);
    }
  }
  return p;
}

// Operation outcomes, for the interleaving signal.
enum class outcome : std::uint8_t {
  ok,
  closed,
  would_block,
  timeout,
  cancelled,
  threw_closed,
  threw_nil,
  case0,
  case1,
  case2,
  case3,
};

struct per_worker {
  weft::fuzz_targets::waiting wait;
  bool saw_closed[2] = {false, false};   // this thread knows the channel is closed
  bool saw_drained[2] = {false, false};  // ... and empty for good ("closed" from a receive)
};

class world {
 public:
  explicit world(const program& p)
      : p_(p),
        ch_{weft::channel<item>(p.cap[0]), weft::channel<item>(p.cap[1]),
            weft::channel<item>(nullptr)},
        workers_(p.workers.size()),
        received_(p.workers.size()) {
    auto pair = p.ctx_timeout ? weft::with_timeout(weft::background(), p.ctx_after)
                              : weft::with_cancel(weft::background());
    ctx_ = pair.first;
    cancel_ = pair.second;
    for (auto& r : received_) {
      r.resize(2);
    }
  }

  void run() {
    std::vector<weft::thread> threads;
    threads.reserve(p_.workers.size());
    for (std::size_t w = 0; w < p_.workers.size(); ++w) {
      threads.emplace_back([this, w] { run_worker(static_cast<int>(w)); });
    }
    quiet_.settle();
    if (!p_.spurious) check_quiescent();
    cancel_();
    for (int c = 0; c < 2; ++c) {
      try {
        ch_[c].close();
        ++close_ok_[c];
      } catch (const weft::channel_closed&) {
        require(ch_[c].closed(), "close threw channel_closed on an open channel");
      }
    }
    for (auto& t : threads) {
      t.join();
    }
    check_end();
  }

 private:
  // ---- bookkeeping ----
  void accepted(int c, int v) { accepted_[c].push_back(v); }
  void received(int w, int idx, int c, const item& it) {
    received_[static_cast<std::size_t>(w)][static_cast<std::size_t>(c)].push_back(it.v);
    // Reads-from: which send (producer, its operation) this receive got.
    weft::fuzz::observe(1, static_cast<std::uint64_t>(c), weft::fuzz_targets::op_site(w, idx),
                        static_cast<std::uint64_t>(it.v));
  }
  void note(int w, int idx, outcome o) {
    weft::fuzz::observe(2, static_cast<std::uint64_t>(w), static_cast<std::uint64_t>(idx),
                        static_cast<std::uint64_t>(o));
  }
  static std::uint8_t bit(int c) { return c == kNil ? 0 : static_cast<std::uint8_t>(1u << c); }

  // Checks that hold after this thread learnt that channel c is closed.
  void saw_closed(int w, int c) {
    if (c == kNil) return;
    require(ch_[c].closed(), where(w, -1) + "closed reported but closed() is false");
    me(w).saw_closed[c] = true;
  }
  void saw_drained(int w, int c) {
    saw_closed(w, c);
    me(w).saw_drained[c] = true;
    drained_seen_[c] = true;
  }
  per_worker& me(int w) { return workers_[static_cast<std::size_t>(w)]; }

  // A send on c failed because c is closed.
  void send_refused_closed(int w, int idx, int c, const item& it) {
    require(!it.moved_from, where(w, idx) + "a send refused (closed) moved from the value");
    saw_closed(w, c);
  }
  // A send on c succeeded.
  void send_succeeded(int w, int idx, int c, int v) {
    require(!me(w).saw_closed[c],
            where(w, idx) + "a send succeeded on a channel this thread saw closed");
    accepted(c, v);
  }

  // ---- the operations ----
  void run_worker(int w) {
    const auto& ops = p_.workers[static_cast<std::size_t>(w)];
    for (std::size_t i = 0; i < ops.size(); ++i) {
      run_op(w, static_cast<int>(i), ops[i]);
      quiet_.step();
    }
  }

  void run_op(int w, int idx, const op& o) {
    const int tag = (w + 1) * 100 + idx;  // values increase along each producer's program
    per_worker& m = me(w);
    weft::channel<item>& x = ch_[o.x];
    const auto t0 = weft::clock::now();
    switch (o.kind) {
      case opk::send: {
        item it(tag);
        m.wait.begin(idx, 0, bit(o.x), false, false);
        try {
          x.send(std::move(it));
          m.wait.end();
          send_succeeded(w, idx, o.x, tag);
          note(w, idx, outcome::ok);
        } catch (const weft::channel_closed&) {
          m.wait.end();
          send_refused_closed(w, idx, o.x, it);
          note(w, idx, outcome::threw_closed);
        }
        break;
      }
      case opk::try_send: {
        item it(tag);
        const auto st = x.try_send(std::move(it));
        if (st == weft::channel_status::ok) {
          send_succeeded(w, idx, o.x, tag);
        } else {
          // NOLINTNEXTLINE(bugprone-use-after-move): checks that a failed send left it intact
          require(!it.moved_from, where(w, idx) + "a failed try_send moved from the value");
          require(st == weft::channel_status::would_block || st == weft::channel_status::closed,
                  where(w, idx) + "try_send returned " + weft::to_string(st));
          if (st == weft::channel_status::closed) saw_closed(w, o.x);
          if (st == weft::channel_status::would_block && o.x != kNil) {
            require(!m.saw_closed[o.x],
                    where(w, idx) + "try_send would block on a channel seen closed");
          }
        }
        note(w, idx, static_cast<outcome>(st));
        break;
      }
      case opk::send_for: {
        item it(tag);
        m.wait.begin(idx, 0, bit(o.x), true, false);
        try {
          const auto st = x.send_for(std::move(it), o.d);
          m.wait.end();
          if (st == weft::channel_status::ok) {
            send_succeeded(w, idx, o.x, tag);
          } else {
            require(st == weft::channel_status::timeout,
                    where(w, idx) + "send_for returned " + weft::to_string(st));
            // NOLINTNEXTLINE(bugprone-use-after-move): checks that a failed send left it intact
            require(!it.moved_from, where(w, idx) + "a timed-out send_for moved from the value");
            require(since(t0) >= o.d, where(w, idx) + "send_for timed out before its deadline");
          }
          note(w, idx, static_cast<outcome>(st));
        } catch (const weft::channel_closed&) {
          m.wait.end();
          send_refused_closed(w, idx, o.x, it);
          note(w, idx, outcome::threw_closed);
        }
        break;
      }
      case opk::send_ctx: {
        item it(tag);
        m.wait.begin(idx, 0, bit(o.x), false, true);
        try {
          const auto st = x.send(std::move(it), ctx_);
          m.wait.end();
          if (st == weft::channel_status::ok) {
            send_succeeded(w, idx, o.x, tag);
          } else {
            require(st == weft::channel_status::cancelled,
                    where(w, idx) + "send(ctx) returned " + weft::to_string(st));
            // NOLINTNEXTLINE(bugprone-use-after-move): checks that a failed send left it intact
            require(!it.moved_from, where(w, idx) + "a cancelled send moved from the value");
            require(static_cast<bool>(ctx_.err()),
                    where(w, idx) + "send(ctx) cancelled but ctx.err() is empty");
          }
          note(w, idx, static_cast<outcome>(st));
        } catch (const weft::channel_closed&) {
          m.wait.end();
          send_refused_closed(w, idx, o.x, it);
          note(w, idx, outcome::threw_closed);
        }
        break;
      }
      case opk::recv: {
        m.wait.begin(idx, bit(o.x), 0, false, false);
        std::optional<item> v = x.recv();
        m.wait.end();
        if (v) {
          require(!m.saw_drained[o.x], where(w, idx) + "recv got a value after \"closed\"");
          received(w, idx, o.x, *v);
          note(w, idx, outcome::ok);
        } else {
          saw_drained(w, o.x);
          note(w, idx, outcome::closed);
        }
        break;
      }
      case opk::try_recv: {
        auto r = x.try_recv();
        check_recv_result(w, idx, o.x, r, weft::channel_status::would_block);
        break;
      }
      case opk::recv_for: {
        m.wait.begin(idx, bit(o.x), 0, true, false);
        auto r = x.recv_for(o.d);
        m.wait.end();
        if (r.status == weft::channel_status::timeout) {
          require(since(t0) >= o.d, where(w, idx) + "recv_for timed out before its deadline");
        }
        check_recv_result(w, idx, o.x, r, weft::channel_status::timeout);
        break;
      }
      case opk::recv_ctx: {
        m.wait.begin(idx, bit(o.x), 0, false, true);
        auto r = x.recv(ctx_);
        m.wait.end();
        if (r.status == weft::channel_status::cancelled) {
          require(static_cast<bool>(ctx_.err()),
                  where(w, idx) + "recv(ctx) cancelled but ctx.err() is empty");
          require(!r.value.has_value(), where(w, idx) + "cancelled recv carries a value");
          note(w, idx, outcome::cancelled);
        } else {
          check_recv_result(w, idx, o.x, r, weft::channel_status::ok);
        }
        break;
      }
      case opk::range: {
        m.wait.begin(idx, bit(o.x), 0, false, false);
        int n = 0;
        for (item& v : x) {
          m.wait.end();
          require(!m.saw_drained[o.x], where(w, idx) + "range got a value after \"closed\"");
          received(w, idx, o.x, v);
          quiet_.step();
          ++n;
          m.wait.begin(idx, bit(o.x), 0, false, false);
        }
        m.wait.end();
        saw_drained(w, o.x);
        note(w, idx, static_cast<outcome>(std::min(n, 3) + static_cast<int>(outcome::case0)));
        break;
      }
      case opk::select_block:
      case opk::select_default:
      case opk::select_timeout:
      case opk::select_done:
        run_select(w, idx, o, tag, t0);
        break;
      case opk::close: {
        try {
          x.close();
          require(o.x != kNil, where(w, idx) + "close of the nil channel did not throw");
          ++close_ok_[o.x];
          saw_closed(w, o.x);
          note(w, idx, outcome::ok);
        } catch (const weft::nil_channel&) {
          require(o.x == kNil, where(w, idx) + "close of a real channel threw nil_channel");
          note(w, idx, outcome::threw_nil);
        } catch (const weft::channel_closed&) {
          require(o.x != kNil, where(w, idx) + "close of nil threw channel_closed");
          saw_closed(w, o.x);
          note(w, idx, outcome::threw_closed);
        }
        break;
      }
      case opk::cancel:
        cancel_();
        ctx_cancelled_ = true;
        require(static_cast<bool>(ctx_.err()), where(w, idx) + "ctx.err() empty after cancel");
        break;
      case opk::sleep:
        weft::this_thread::sleep_for(o.d);
        require(since(t0) >= o.d, where(w, idx) + "sleep_for returned early");
        break;
      case opk::inspect: {
        const auto size = x.size();
        require(size <= x.capacity(), where(w, idx) + "size() exceeds capacity()");
        if (o.x == kNil) {
          require(x.is_nil() && x.capacity() == 0 && size == 0 && !x.closed(),
                  where(w, idx) + "nil channel snapshot");
        } else {
          require(x.capacity() == p_.cap[o.x], where(w, idx) + "capacity() changed");
          if (m.saw_closed[o.x]) require(x.closed(), where(w, idx) + "closed() went back");
          if (m.saw_drained[o.x]) require(size == 0, where(w, idx) + "values after drained");
        }
        note(w, idx, static_cast<outcome>(size));
        break;
      }
      case opk::count_:
        break;
    }
  }

  // A receive's result; `empty_status` is what this form reports when nothing is ready
  // (would_block for try_recv, timeout for recv_for).
  template <class R>
  void check_recv_result(int w, int idx, int c, R& r, weft::channel_status empty_status) {
    per_worker& m = me(w);
    switch (r.status) {
      case weft::channel_status::ok:
        require(r.value.has_value(), where(w, idx) + "ok without a value");
        require(c == kNil || !m.saw_drained[c], where(w, idx) + "a value after \"closed\"");
        require(c != kNil, where(w, idx) + "a value from the nil channel");
        received(w, idx, c, *r.value);
        break;
      case weft::channel_status::closed:
        require(c != kNil, where(w, idx) + "nil channel reported closed");
        require(!r.value.has_value(), where(w, idx) + "closed with a value");
        saw_drained(w, c);
        break;
      default:
        require(r.status == empty_status,
                where(w, idx) + "receive returned " + weft::to_string(r.status));
        require(!r.value.has_value(), where(w, idx) + "no-value status with a value");
        require(c == kNil || !m.saw_closed[c],
                where(w, idx) + "a receive found nothing on a channel seen closed");
        break;
    }
    note(w, idx, static_cast<outcome>(r.status));
  }

  void run_select(int w, int idx, const op& o, int tag, weft::clock::time_point t0) {
    per_worker& m = me(w);
    weft::channel<item>& x = ch_[o.x];
    weft::channel<item>& y = ch_[o.y];
    int ran = -1;
    int runs = 0;
    std::optional<item> got;
    int got_from = -1;
    auto on_recv = [&](int which, int c) {
      return [&, which, c](std::optional<item> v) {
        ran = which;
        ++runs;
        got = std::move(v);
        got_from = c;
      };
    };
    auto on = [&](int which) {
      return [&, which] {
        ran = which;
        ++runs;
      };
    };
    std::size_t fired = 99;
    bool threw_closed = false;
    try {
      switch (o.kind) {
        case opk::select_block:
          m.wait.begin(idx, bit(o.x), bit(o.y), false, false);
          fired = weft::select(weft::recv(x, on_recv(0, o.x)), weft::send(y, item(tag), on(1)));
          break;
        case opk::select_default:
          fired = weft::select(weft::recv(x, on_recv(0, o.x)), weft::send(y, item(tag), on(1)),
                               weft::otherwise(on(2)));
          break;
        case opk::select_timeout:
          m.wait.begin(idx, static_cast<std::uint8_t>(bit(o.x) | bit(o.y)), 0, true, false);
          fired = weft::select(weft::recv(x, on_recv(0, o.x)), weft::recv(y, on_recv(1, o.y)),
                               weft::timeout(o.d, on(2)));
          break;
        default:
          m.wait.begin(idx, bit(o.x), bit(o.y), false, true);
          fired = weft::select(weft::recv(x, on_recv(0, o.x)), weft::send(y, item(tag), on(1)),
                               weft::done(ctx_, on(2)));
          break;
      }
    } catch (const weft::channel_closed&) {
      threw_closed = true;
    }
    m.wait.end();
    if (threw_closed) {
      // Only a chosen send case on a closed channel throws; its handler does not run.
      require(o.kind != opk::select_timeout, where(w, idx) + "a receive-only select threw");
      require(runs == 0, where(w, idx) + "a handler ran although select threw");
      saw_closed(w, o.y);
      note(w, idx, outcome::threw_closed);
      return;
    }
    require(runs == 1, where(w, idx) + "select ran " + std::to_string(runs) + " handlers");
    require(static_cast<int>(fired) == ran, where(w, idx) + "select returned " +
                                                std::to_string(fired) + " but handler " +
                                                std::to_string(ran) + " ran");
    note(w, idx, static_cast<outcome>(static_cast<int>(outcome::case0) + ran));
    const bool is_recv_case = ran == 0 || (ran == 1 && o.kind == opk::select_timeout);
    if (is_recv_case) {
      require(got_from != kNil, where(w, idx) + "a nil channel's case fired");
      if (got) {
        require(!m.saw_drained[got_from], where(w, idx) + "select got a value after \"closed\"");
        received(w, idx, got_from, *got);
      } else {
        saw_drained(w, got_from);
      }
    } else if (ran == 1) {  // a send case
      require(o.y != kNil, where(w, idx) + "a nil channel's send case fired");
      send_succeeded(w, idx, o.y, tag);
    } else if (o.kind == opk::select_timeout) {
      require(since(t0) >= o.d, where(w, idx) + "select timeout fired early");
    } else if (o.kind == opk::select_done) {
      require(static_cast<bool>(ctx_.err()), where(w, idx) + "done(ctx) fired, ctx.err() empty");
    }
  }

  // ---- the oracle ----
  void check_quiescent() {
    std::uint8_t recv_by[2] = {0, 0};  // bit w: worker w asleep receiving
    std::uint8_t send_by[2] = {0, 0};
    for (std::size_t w = 0; w < workers_.size(); ++w) {
      const auto& wt = workers_[w].wait;
      weft::fuzz::observe(3, w, wt.active ? static_cast<std::uint64_t>(wt.op) : 99,
                          static_cast<std::uint64_t>(wt.recv * 16 + wt.send));
      // Timed waits are not judged (target_util.hpp, "Timed waits"); with a timeout, the
      // context makes every context-aware wait a timed one.
      if (!wt.active || wt.timed || (wt.on_context && p_.ctx_timeout)) continue;
      const std::string at = where(static_cast<int>(w), wt.op);
      require(!(wt.on_context && ctx_cancelled_), at + "asleep although its context is cancelled");
      for (int c = 0; c < 2; ++c) {
        if ((wt.recv & bit(c)) != 0) {
          require(ch_[c].size() == 0,
                  at + "asleep receiving while a value is buffered (lost wake-up)");
          require(!ch_[c].closed(), at + "asleep receiving from a closed channel");
          recv_by[c] = static_cast<std::uint8_t>(recv_by[c] | (1u << w));
        }
        if ((wt.send & bit(c)) != 0) {
          require(ch_[c].size() >= p_.cap[c],
                  at + "asleep sending while the buffer has room (lost wake-up)");
          require(!ch_[c].closed(), at + "asleep sending on a closed channel");
          send_by[c] = static_cast<std::uint8_t>(send_by[c] | (1u << w));
        }
      }
    }
    for (int c = 0; c < 2; ++c) {
      // A receiver and a sender of different threads both asleep on one channel.
      const bool pair = recv_by[c] != 0 && send_by[c] != 0 &&
                        !(recv_by[c] == send_by[c] && (recv_by[c] & (recv_by[c] - 1)) == 0);
      require(!pair, std::string("a sender and a receiver both asleep on channel ") +
                         (c == 0 ? "a" : "b") + " (lost wake-up)");
    }
  }

  void check_end() {
    for (int c = 0; c < 2; ++c) {
      const std::string name = c == 0 ? "a" : "b";
      require(close_ok_[c] == 1, "channel " + name + ": " + std::to_string(close_ok_[c]) +
                                     " close() calls succeeded, expected exactly 1");
      std::vector<int> drained;
      while (auto r = ch_[c].try_recv()) {
        drained.push_back(r->v);
      }
      require(!drained_seen_[c] || drained.empty(),
              "channel " + name + ": a receive reported closed-and-drained, yet " +
                  std::to_string(drained.size()) + " value(s) were still buffered");
      std::vector<int> got = drained;
      for (const auto& per : received_) {
        got.insert(got.end(), per[c].begin(), per[c].end());
      }
      std::vector<int> sent = accepted_[c];
      std::sort(got.begin(), got.end());
      std::sort(sent.begin(), sent.end());
      if (got != sent) {
        std::ostringstream os;
        os << "channel " << name << ": values lost or duplicated: accepted {";
        for (int v : sent) {
          os << " " << v;
        }
        os << " }, received or left {";
        for (int v : got) {
          os << " " << v;
        }
        os << " }";
        require(false, os.str());
      }
      // FIFO per producer, as each receiver saw it.
      for (std::size_t w = 0; w < received_.size(); ++w) {
        int last[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
        for (int v : received_[w][c]) {
          int& l = last[v / 100];
          require(v > l, "channel " + name + ": worker " + std::to_string(w) + " received " +
                             std::to_string(v) + " after " + std::to_string(l) +
                             " (FIFO per producer violated)");
          l = v;
        }
      }
    }
  }

  const program& p_;
  weft::fuzz_targets::quiescence quiet_;
  weft::channel<item> ch_[3];
  weft::context ctx_;
  weft::cancel_func cancel_;
  std::vector<per_worker> workers_;
  std::vector<int> accepted_[2];
  std::vector<std::vector<std::vector<int>>> received_;  // [worker][channel] in order
  int close_ok_[2] = {0, 0};
  bool drained_seen_[2] = {false, false};
  bool ctx_cancelled_ = false;  // a cancel() has returned
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const program p = decode(in);
  const auto schedule = weft::fuzz::schedule_bytes(in);
  weft::fuzz::run(
      schedule, [&p] { weft::fuzz_targets::run_world<world>(p); },
      weft::fuzz_targets::options("channel_fuzzer", p.spurious), [&p] { return p.describe(); });
  return 0;
}
