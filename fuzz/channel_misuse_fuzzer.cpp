// channel_misuse_fuzzer.cpp — weft::channel's error contract: random call sequences with
// invalid calls (send after close, double close, close of nil, operations on a nil or
// moved-from handle, timeouts at the edges of their types, contexts already done), checked
// against an exact model of the documented outcomes (misuse_util.hpp).
//
// Program (decoded from the end of the input): a channel of capacity 0..3 carrying
// std::unique_ptr<int> (move-only, heap-allocated: a lost, duplicated or leaked value is
// an ASan report), a context (live, already cancelled, or with a timeout), and 1..24
// operations on the channel, a nil channel or a moved-from handle. One logical thread:
// where the model says an operation would wait forever, it runs in its timed form with an
// ordinary timeout instead.
//
// Checked, operation by operation: statuses and exceptions are exactly the documented
// ones; received values are exactly the model's FIFO; a refused send leaves its value in
// the caller's hands; timed operations that time out return at their deadline on virtual
// time (exactly, with one thread); size(), capacity(), closed(), is_nil() and == agree
// with the model; select with a default case fires a ready case when there is one.
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "misuse_util.hpp"
#include "target_util.hpp"
#include "weft/channel.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/fuzz.hpp"
#include "weft/select.hpp"
#include "weft/sync.hpp"

namespace {

using weft::fuzz::require;
using weft::fuzz_targets::any_duration;
using item = std::unique_ptr<int>;
using status = weft::channel_status;

enum class opk : std::uint8_t {
  send,
  try_send,
  send_for,
  send_ctx,
  recv,
  try_recv,
  recv_for,
  recv_ctx,
  close,
  select_default,
  range,
  cancel,
  move_away,  // the handle is moved from (nil) ...
  move_back,  // ... and back
  inspect,
  count_
};
constexpr const char* kOpNames[] = {"send",     "try_send", "send_for",  "send_ctx",  "recv",
                                    "try_recv", "recv_for", "recv_ctx",  "close",     "select",
                                    "range",    "cancel",   "move_away", "move_back", "inspect"};

enum class target : std::uint8_t { channel, nil };
enum class ctx_kind : std::uint8_t { live, cancelled, timeout, count_ };

struct op {
  opk kind;
  target on;
  any_duration d;
};

struct program {
  std::size_t cap = 0;
  ctx_kind ctx = ctx_kind::live;
  std::int64_t ctx_timeout_us = 0;
  std::vector<op> ops;

  std::string describe() const {
    std::ostringstream os;
    os << "  channel<unique_ptr<int>>(" << cap << "), context "
       << (ctx == ctx_kind::live        ? std::string("live")
           : ctx == ctx_kind::cancelled ? std::string("cancelled")
                                        : "with_timeout " + std::to_string(ctx_timeout_us) + "us")
       << "\n  ops:";
    for (const op& o : ops) {
      os << " " << kOpNames[static_cast<int>(o.kind)] << (o.on == target::nil ? "[nil]" : "") << "("
         << o.d.describe() << ")";
    }
    os << "\n";
    return os.str();
  }
};

program decode(FuzzedDataProvider& in) {
  program p;
  p.cap = in.ConsumeIntegralInRange<std::size_t>(0, 3);
  p.ctx = weft::fuzz_targets::pick<ctx_kind>(in);
  p.ctx_timeout_us = in.ConsumeIntegralInRange<std::int64_t>(0, 5000);
  const int n = in.ConsumeIntegralInRange<int>(1, 24);
  for (int i = 0; i < n; ++i) {
    op o{};
    o.kind = weft::fuzz_targets::pick<opk>(in);
    o.on = in.ConsumeIntegralInRange<int>(0, 3) == 0 ? target::nil : target::channel;
    o.d = weft::fuzz_targets::decode_duration(in);
    p.ops.push_back(o);
  }
  return p;
}

class world {
 public:
  explicit world(const program& p) : p_(p), ch_(p.cap), same_(ch_) {
    switch (p.ctx) {
      case ctx_kind::timeout: {
        auto pair =
            weft::with_timeout(weft::background(), std::chrono::microseconds(p.ctx_timeout_us));
        ctx_ = pair.first;
        cancel_ = pair.second;
        ctx_deadline_ = weft::clock::now() + std::chrono::microseconds(p.ctx_timeout_us);
        break;
      }
      default: {
        auto pair = weft::with_cancel(weft::background());
        ctx_ = pair.first;
        cancel_ = pair.second;
        if (p.ctx == ctx_kind::cancelled) cancel_ctx();
        break;
      }
    }
  }

  void run() {
    for (std::size_t i = 0; i < p_.ops.size(); ++i) {
      idx_ = static_cast<int>(i);
      run_op(p_.ops[i]);
    }
    // Whatever is left is still in the channel, in order.
    if (moved_) move_back();
    while (auto r = ch_.try_recv()) {
      expect_value(*r.value, "left at the end");
    }
    require(q_.empty(), at() + "values the model holds are missing at the end");
  }

 private:
  std::string at() const { return "op " + std::to_string(idx_) + ": "; }

  // ---- the model ----
  bool ctx_done() const { return ctx_cancelled_ || weft::clock::now() >= ctx_deadline_; }
  bool has_room() const { return q_.size() < p_.cap; }  // (capacity 0: never, alone)
  bool recv_ready() const { return !q_.empty() || closed_; }
  void cancel_ctx() {
    cancel_();
    ctx_cancelled_ = true;
  }
  void move_back() {
    ch_ = std::move(parked_);
    moved_ = false;
    require(ch_ == same_ && parked_.is_nil(), at() + "moving the handle back");
  }
  weft::channel<item>& chan(target t) { return t == target::nil || moved_ ? nil_ : ch_; }
  bool is_nil(target t) const { return t == target::nil || moved_; }

  item make() { return std::make_unique<int>(next_++); }
  void expect_value(const item& v, const std::string& what) {
    require(v != nullptr, at() + what + ": an empty value");
    require(!q_.empty(), at() + what + ": a value the model does not have");
    require(*v == q_.front(), at() + what + ": got " + std::to_string(*v) + ", expected " +
                                  std::to_string(q_.front()) + " (FIFO)");
    q_.pop_front();
  }
  void accepted(int v) {
    require(!closed_ && has_room(), at() + "a send was accepted where the model refuses it");
    q_.push_back(v);
  }

  // Timed waits with one thread end exactly at their deadline (virtual time).
  void expect_timed_out_at(weft::clock::time_point t0, const any_duration& d) {
    if (d.not_positive()) {
      require(weft::clock::now() == t0, at() + "a past deadline waited");
    } else {
      require(weft::clock::now() == t0 + d.ordinary_ns(),
              at() + "timed out at the wrong time: after " +
                  std::to_string((weft::clock::now() - t0).count()) + "ns, asked " + d.describe());
    }
  }

  // ---- operations ----
  void run_op(const op& o) {
    const bool nil = is_nil(o.on);
    weft::channel<item>& c = chan(o.on);
    const auto t0 = weft::clock::now();
    weft::fuzz::observe(1, static_cast<std::uint64_t>(o.kind),
                        static_cast<std::uint64_t>(nil) * 16 + q_.size() * 2 + closed_);
    switch (o.kind) {
      case opk::send:
        // Waits forever unless it can complete: then the timed form instead.
        if (!nil && (closed_ || has_room())) {
          send_blocking(c);
        } else {
          send_for(c, nil, any_duration{any_duration::rep::ns, 1000, 0, 0}, t0);
        }
        break;
      case opk::try_send: {
        item v = make();
        const int value = *v;
        const status st = c.try_send(std::move(v));
        const status want = nil          ? status::would_block
                            : closed_    ? status::closed
                            : has_room() ? status::ok
                                         : status::would_block;
        require(st == want, at() + "try_send returned " + weft::to_string(st) + ", expected " +
                                weft::to_string(want));
        if (st == status::ok) {
          accepted(value);
        } else {
          require(v != nullptr, at() + "a refused try_send took the value");
        }
        break;
      }
      case opk::send_for: {
        const bool completes = !nil && (closed_ || has_room());
        send_for(c, nil, completes || o.d.ordinary() ? o.d : any_duration{}, t0);
        break;
      }
      case opk::send_ctx: {
        const bool completes = ctx_done() || (!nil && (closed_ || has_room()));
        if (!completes && p_.ctx != ctx_kind::timeout) {
          send_for(c, nil, any_duration{any_duration::rep::ns, 1000, 0, 0}, t0);
          break;
        }
        item v = make();
        const int value = *v;
        const bool done = ctx_done();
        try {
          const status st = c.send(std::move(v), ctx_);
          if (done || !completes) {
            require(st == status::cancelled,
                    at() + "send(ctx) with a done context returned " + weft::to_string(st));
            require(v != nullptr, at() + "a cancelled send took the value");
            if (!completes) require(weft::clock::now() == ctx_deadline_, at() + "cancelled late");
          } else {
            require(st == status::ok, at() + "send(ctx) returned " + weft::to_string(st));
            accepted(value);
          }
        } catch (const weft::channel_closed&) {
          require(closed_ && !done && !nil, at() + "send(ctx) threw channel_closed");
          require(v != nullptr, at() + "a send refused (closed) took the value");
        }
        break;
      }
      case opk::recv:
        if (!nil && recv_ready()) {
          std::optional<item> v = c.recv();
          if (!q_.empty()) {
            require(v.has_value(), at() + "recv returned closed with values buffered");
            expect_value(*v, "recv");
          } else {
            require(!v.has_value(), at() + "recv returned a value from an empty channel");
          }
        } else {
          recv_for(c, nil, any_duration{any_duration::rep::ns, 1000, 0, 0}, t0);
        }
        break;
      case opk::try_recv: {
        auto r = c.try_recv();
        if (nil || !recv_ready()) {
          require(r.status == status::would_block, at() + "try_recv: " + weft::to_string(r.status));
        } else {
          check_ready_recv(r);
        }
        break;
      }
      case opk::recv_for: {
        const bool completes = !nil && recv_ready();
        recv_for(c, nil, completes || o.d.ordinary() ? o.d : any_duration{}, t0);
        break;
      }
      case opk::recv_ctx: {
        const bool done = ctx_done();
        const bool completes = done || (!nil && recv_ready());
        if (!completes && p_.ctx != ctx_kind::timeout) {
          recv_for(c, nil, any_duration{any_duration::rep::ns, 1000, 0, 0}, t0);
          break;
        }
        auto r = c.recv(ctx_);
        if (done || !completes) {
          require(r.status == status::cancelled,
                  at() + "recv(ctx) with a done context: " + weft::to_string(r.status));
          if (!completes) require(weft::clock::now() == ctx_deadline_, at() + "cancelled late");
        } else {
          check_ready_recv(r);
        }
        break;
      }
      case opk::close:
        try {
          c.close();
          require(!nil && !closed_, at() + "close() succeeded on a nil or closed channel");
          closed_ = true;
        } catch (const weft::nil_channel&) {
          require(nil, at() + "close() threw nil_channel on a real channel");
        } catch (const weft::channel_closed&) {
          require(!nil && closed_, at() + "close() threw channel_closed on an open channel");
        }
        break;
      case opk::select_default:
        run_select(c, nil);
        break;
      case opk::range:
        if (!nil && closed_) {
          for (item& v : c) {
            expect_value(v, "range");
          }
          require(q_.empty(), at() + "range ended with values left");
        }
        break;
      case opk::cancel:
        cancel_ctx();
        require(ctx_.err() == weft::context_errc::cancelled ||
                    ctx_.err() == weft::context_errc::deadline_exceeded,
                at() + "err() after cancel");
        break;
      case opk::move_away:
        if (!moved_) {
          parked_ = std::move(ch_);
          moved_ = true;
          require(ch_.is_nil() && ch_.capacity() == 0 && ch_.size() == 0 && !ch_.closed(),
                  at() + "a moved-from handle is not nil");
          require(parked_ == same_, at() + "the moved-to handle is another channel");
        }
        break;
      case opk::move_back:
        if (moved_) move_back();
        break;
      case opk::inspect:
        if (nil) {
          require(c.is_nil() && c.size() == 0 && c.capacity() == 0 && !c.closed(),
                  at() + "nil snapshot");
          require(!(c == same_), at() + "nil == the channel");
        } else {
          require(c.size() == q_.size(), at() + "size() " + std::to_string(c.size()) + ", model " +
                                             std::to_string(q_.size()));
          require(c.capacity() == p_.cap && c.closed() == closed_ && !c.is_nil() && c == same_,
                  at() + "snapshot disagrees with the model");
        }
        break;
      case opk::count_:
        break;
    }
  }

  void send_blocking(weft::channel<item>& c) {
    item v = make();
    const int value = *v;
    try {
      c.send(std::move(v));
      accepted(value);
    } catch (const weft::channel_closed&) {
      require(closed_, at() + "send threw channel_closed on an open channel");
      require(v != nullptr, at() + "a send refused (closed) took the value");
    }
  }

  void send_for(weft::channel<item>& c, bool nil, const any_duration& d,
                weft::clock::time_point t0) {
    item v = make();
    const int value = *v;
    if (rejects_nan(d, at() + "send_for", [&] {
          (void)d.visit([&](auto dur) { return c.send_for(std::move(v), dur); });
        })) {
      require(v != nullptr, at() + "a rejected send_for took the value");
      return;
    }
    try {
      const status st = d.visit([&](auto dur) { return c.send_for(std::move(v), dur); });
      if (!nil && !closed_ && has_room()) {
        require(st == status::ok, at() + "send_for with room returned " + weft::to_string(st));
        accepted(value);
      } else {
        require(st == status::timeout, at() + "send_for returned " + weft::to_string(st));
        require(v != nullptr, at() + "a timed-out send_for took the value");
        expect_timed_out_at(t0, d);
      }
    } catch (const weft::channel_closed&) {
      require(!nil && closed_, at() + "send_for threw channel_closed");
      require(v != nullptr, at() + "a send refused (closed) took the value");
    }
  }

  void recv_for(weft::channel<item>& c, bool nil, const any_duration& d,
                weft::clock::time_point t0) {
    if (rejects_nan(d, at() + "recv_for",
                    [&] { (void)d.visit([&](auto dur) { return c.recv_for(dur); }); })) {
      return;
    }
    auto r = d.visit([&](auto dur) { return c.recv_for(dur); });
    if (nil || !recv_ready()) {
      require(r.status == status::timeout, at() + "recv_for returned " + weft::to_string(r.status));
      expect_timed_out_at(t0, d);
    } else {
      check_ready_recv(r);
    }
  }

  template <class R>
  void check_ready_recv(R& r) {
    if (!q_.empty()) {
      require(r.status == status::ok,
              at() + "receive returned " + weft::to_string(r.status) + " with values buffered");
      expect_value(*r.value, "receive");
    } else {
      require(r.status == status::closed && closed_,
              at() + "receive returned " + weft::to_string(r.status) + ", expected closed");
    }
  }

  void run_select(weft::channel<item>& c, bool nil) {
    int ran = -1;
    std::optional<item> got;
    const bool recv_ok = !nil && recv_ready();
    const bool send_ok = !nil && (closed_ || has_room());
    const int value = next_++;
    std::size_t fired = 99;
    try {
      fired = weft::select(weft::recv(c,
                                      [&](std::optional<item> v) {
                                        ran = 0;
                                        got = std::move(v);
                                      }),
                           weft::send(c, std::make_unique<int>(value), [&] { ran = 1; }),
                           weft::otherwise([&] { ran = 2; }));
    } catch (const weft::channel_closed&) {
      require(closed_ && send_ok && ran == -1, at() + "select threw channel_closed");
      return;
    }
    require(static_cast<int>(fired) == ran, at() + "select returned another case than ran");
    weft::fuzz::observe(2, fired, static_cast<std::uint64_t>(recv_ok) * 2 + send_ok);
    switch (ran) {
      case 0:
        require(recv_ok, at() + "select received from a channel that was not ready");
        if (got) {
          expect_value(*got, "select");
        } else {
          require(closed_ && q_.empty(), at() + "select got closed from a live channel");
        }
        break;
      case 1:
        require(send_ok && !closed_, at() + "select sent where it could not");
        accepted(value);
        break;
      default:
        require(!recv_ok && !send_ok, at() + "select took the default with a case ready");
        break;
    }
  }

  const program& p_;
  weft::channel<item> ch_;
  const weft::channel<item> same_;  // a copy of the handle: == must hold
  weft::channel<item> parked_{nullptr};
  weft::channel<item> nil_{nullptr};
  weft::context ctx_;
  weft::cancel_func cancel_;
  weft::clock::time_point ctx_deadline_ = weft::clock::time_point::max();
  bool ctx_cancelled_ = false;
  std::deque<int> q_;  // the model: values buffered, oldest first
  bool closed_ = false;
  bool moved_ = false;
  int next_ = 0;
  int idx_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const program p = decode(in);
  const auto schedule = weft::fuzz::schedule_bytes(in);
  weft::fuzz::run(
      schedule, [&p] { weft::fuzz_targets::run_world<world>(p); },
      weft::fuzz::default_options("channel_misuse_fuzzer"), [&p] { return p.describe(); });
  return 0;
}
