// context_misuse_fuzzer.cpp — weft::context's error contract: contexts made from the edges
// of their parameter types (timeouts of any duration representation, deadlines at the
// ends of weft::clock, std::chrono::steady_clock and system_clock, stop tokens that can
// never stop or are already stopped) and call sequences that repeat or misuse calls
// (cancel twice, a default cancel_func, stop() twice or on a default handle, callbacks
// on background(), waits with edge timeouts) — checked against the documented outcomes
// (misuse_util.hpp). Nothing here throws (context.hpp, "Error contract"), so any
// exception fails the execution.
//
// Documented outcomes: background() is never done, has no deadline, a nil done() channel,
// a stop_token that cannot stop, and callbacks that never run (stop() is then true); a
// cancelled context's err() is cancelled (or deadline_exceeded if its deadline passed
// first) and never changes; a deadline at or before now makes a context done at once; a
// deadline() is the earliest of its own and its parent's, none for timeouts too long for
// weft::clock; wait_for on a done context is true at once and on a live one false after
// exactly its timeout (one thread, virtual time); after_cancel on a done context runs the
// callback at once, exactly once; stop() is true only if it prevented a run.
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <stop_token>
#include <string>
#include <vector>

#include "misuse_util.hpp"
#include "target_util.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/fuzz.hpp"
#include "weft/sync.hpp"

namespace {

using weft::fuzz::require;
using weft::fuzz_targets::any_duration;
using tp = weft::clock::time_point;

enum class make : std::uint8_t {
  cancel,
  timeout,          // with_timeout(parent, any duration)
  deadline_weft,    // with_deadline(parent, weft::clock edge or now + small)
  deadline_steady,  // with_deadline(parent, steady_clock edge)
  deadline_system,  // with_deadline(parent, system_clock edge)
  stop_never,       // with_stop_token(parent, a token that cannot stop)
  stop_stopped,     // with_stop_token(parent, a token already stopped)
  count_
};
constexpr const char* kMakeNames[] = {"with_cancel",
                                      "with_timeout",
                                      "with_deadline(weft)",
                                      "with_deadline(steady)",
                                      "with_deadline(system)",
                                      "with_stop_token(never)",
                                      "with_stop_token(stopped)"};

enum class opk : std::uint8_t {
  make_child,      // a new context below a random existing one
  cancel,          // twice, to check idempotence
  cancel_default,  // a default-constructed cancel_func does nothing
  err,
  deadline,
  wait_for,
  after_cancel,
  stop_callback,
  stop_default,  // stop() of a default after_cancel_handle
  stop_token,
  done_try_recv,
  count_
};
constexpr const char* kOpNames[] = {"make_child",   "cancel",     "cancel_default", "err",
                                    "deadline",     "wait_for",   "after_cancel",   "stop_callback",
                                    "stop_default", "stop_token", "done_try_recv"};

struct op {
  opk kind;
  int node;  // index into the contexts made so far (0 = background)
  make how;
  any_duration d;
  int edge;  // which edge time point
};

struct program {
  std::vector<op> ops;
  std::string describe() const {
    std::ostringstream os;
    os << "  ops:";
    for (const op& o : ops) {
      os << " " << kOpNames[static_cast<int>(o.kind)] << "(node " << o.node;
      if (o.kind == opk::make_child) {
        os << ", " << kMakeNames[static_cast<int>(o.how)] << " " << o.d.describe() << " edge "
           << o.edge;
      } else if (o.kind == opk::wait_for) {
        os << ", " << o.d.describe();
      }
      os << ")";
    }
    os << "\n";
    return os.str();
  }
};

program decode(FuzzedDataProvider& in) {
  program p;
  const int n = in.ConsumeIntegralInRange<int>(1, 24);
  for (int i = 0; i < n; ++i) {
    op o{};
    o.kind = weft::fuzz_targets::pick<opk>(in);
    o.node = in.ConsumeIntegralInRange<int>(0, 7);
    o.how = weft::fuzz_targets::pick<make>(in);
    o.d = weft::fuzz_targets::decode_duration(in);
    o.edge = in.ConsumeIntegralInRange<int>(0, 4);
    p.ops.push_back(o);
  }
  return p;
}

template <class Clock>
typename Clock::time_point edge_of(int edge) {
  using T = typename Clock::time_point;
  switch (edge) {
    case 0:
      return T::min();
    case 1:
      return T::max();
    case 2:
      return T{};  // the clock's epoch
    case 3:
      return Clock::now() + std::chrono::milliseconds(1);
    default:
      return Clock::now() - std::chrono::milliseconds(1);
  }
}

struct node {
  weft::context ctx;
  weft::cancel_func cancel;
  bool cancelled = false;               // a cancel of it or an ancestor returned
  std::optional<std::error_code> seen;  // the first non-empty err()
  int parent = -1;
};

struct callback {
  int node;
  int runs = 0;
  bool stop_called = false;
  bool prevented = false;
  weft::after_cancel_handle handle;
};

class world {
 public:
  explicit world(const program& p) : p_(p) {
    nodes_.push_back(node{weft::background(), {}, false, {}, -1});
    callbacks_.reserve(32);
  }

  void run() {
    for (std::size_t i = 0; i < p_.ops.size(); ++i) {
      idx_ = static_cast<int>(i);
      run_op(p_.ops[i]);
    }
    // Cancel everything: every callback that was not prevented has run exactly once,
    // except those on background().
    for (std::size_t i = 1; i < nodes_.size(); ++i) {
      cancel_node(static_cast<int>(i));
    }
    for (std::size_t k = 0; k < callbacks_.size(); ++k) {
      const callback& cb = callbacks_[k];
      const int want = cb.node == 0 || cb.prevented ? 0 : 1;
      require(cb.runs == want, "callback " + std::to_string(k) + " ran " + std::to_string(cb.runs) +
                                   " times, expected " + std::to_string(want));
    }
  }

 private:
  std::string at() const { return "op " + std::to_string(idx_) + ": "; }

  void cancel_node(int i) {
    nodes_[static_cast<std::size_t>(i)].cancel();
    for (std::size_t k = 0; k < nodes_.size(); ++k) {
      for (int a = static_cast<int>(k); a > 0; a = nodes_[static_cast<std::size_t>(a)].parent) {
        if (a == i) nodes_[k].cancelled = true;
      }
    }
  }

  // err() of node i: consistent with what the oracle knows, and never changing.
  void check_err(int i) {
    node& n = nodes_[static_cast<std::size_t>(i)];
    const std::error_code e = n.ctx.err();
    if (i == 0) {
      require(!e, at() + "background() is done");
      return;
    }
    if (n.cancelled) require(static_cast<bool>(e), at() + "a cancelled context is not done");
    const auto dl = n.ctx.deadline();
    if (dl && weft::clock::now() >= *dl) {
      require(static_cast<bool>(e), at() + "past its deadline, not done");
    }
    if (e) {
      require(e == weft::context_errc::cancelled || e == weft::context_errc::deadline_exceeded,
              at() + "err() is no context_errc: " + e.message());
      if (!n.seen) n.seen = e;
      require(*n.seen == e, at() + "err() changed");
    } else {
      require(!n.seen, at() + "err() went back to empty");
    }
    weft::fuzz::observe(2, static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(e.value()));
  }

  void make_child(const op& o) {
    if (nodes_.size() >= 8) return;
    const int parent = o.node % static_cast<int>(nodes_.size());
    const weft::context pctx =
        nodes_[static_cast<std::size_t>(parent)].ctx;  // a copy: nodes_ grows
    std::pair<weft::context, weft::cancel_func> made;
    std::optional<tp> own;  // the deadline the oracle can predict, if any
    const tp now = weft::clock::now();
    switch (o.how) {
      case make::timeout:
        if (rejects_nan(o.d, at() + "with_timeout", [&] {
              (void)o.d.visit([&](auto d) { return weft::with_timeout(pctx, d); });
            })) {
          return;
        }
        made = o.d.visit([&](auto d) { return weft::with_timeout(pctx, d); });
        if (o.d.ordinary()) own = now + o.d.ordinary_ns();
        break;
      case make::deadline_weft: {
        const tp t =
            o.edge <= 2 ? edge_of<weft::clock>(o.edge) : now + std::chrono::microseconds(o.edge);
        made = weft::with_deadline(pctx, t);
        if (t != tp::max()) own = t;
        break;
      }
      case make::deadline_steady:
        made = weft::with_deadline(pctx, edge_of<std::chrono::steady_clock>(o.edge));
        break;
      case make::deadline_system:
        made = weft::with_deadline(pctx, edge_of<std::chrono::system_clock>(o.edge));
        break;
      case make::stop_never:
        made = weft::with_stop_token(pctx, std::stop_token{});
        break;
      case make::stop_stopped: {
        std::stop_source src;
        src.request_stop();
        made = weft::with_stop_token(pctx, src.get_token());
        break;
      }
      default:
        made = weft::with_cancel(pctx);
        break;
    }
    node n{made.first, made.second, nodes_[static_cast<std::size_t>(parent)].cancelled, {}, parent};
    if (o.how == make::stop_stopped) n.cancelled = true;
    nodes_.push_back(n);
    const int i = static_cast<int>(nodes_.size()) - 1;
    // deadline(): the earliest of its own and the parent's, where the oracle knows them.
    const auto dl = n.ctx.deadline();
    const auto pdl = pctx.deadline();
    if (dl && pdl) require(*dl <= *pdl, at() + "a deadline later than the parent's");
    if (pdl && !dl) require(false, at() + "the parent's deadline was not inherited");
    if (own && (!pdl || *own < *pdl)) {
      require(dl && *dl == *own, at() + "deadline() is not the one asked for");
    }
    check_err(i);
  }

  void run_op(const op& o) {
    const int i = o.node % static_cast<int>(nodes_.size());
    node& n = nodes_[static_cast<std::size_t>(i)];
    weft::fuzz::observe(1, static_cast<std::uint64_t>(o.kind), static_cast<std::uint64_t>(i));
    switch (o.kind) {
      case opk::make_child:
        make_child(o);
        break;
      case opk::cancel:
        if (i != 0) {
          cancel_node(i);
          cancel_node(i);
          check_err(i);
        }
        break;
      case opk::cancel_default: {
        const weft::cancel_func none;
        none();
        break;
      }
      case opk::err:
        check_err(i);
        break;
      case opk::deadline:
        if (i == 0) require(!n.ctx.deadline(), at() + "background() has a deadline");
        break;
      case opk::wait_for: {
        const bool done_before = i != 0 && static_cast<bool>(n.ctx.err());
        if (!done_before && !o.d.ordinary()) break;  // would wait (nearly) forever
        const tp t0 = weft::clock::now();
        if (rejects_nan(o.d, at() + "wait_for",
                        [&] { (void)o.d.visit([&](auto d) { return n.ctx.wait_for(d); }); })) {
          break;
        }
        const bool done = o.d.visit([&](auto d) { return n.ctx.wait_for(d); });
        if (done_before) {
          require(done && weft::clock::now() == t0, at() + "wait_for on a done context waited");
        } else if (!done) {
          const auto want = o.d.not_positive() ? t0 : t0 + o.d.ordinary_ns();
          require(weft::clock::now() == want, at() + "wait_for timed out at the wrong time");
        } else {
          const auto dl = n.ctx.deadline();
          require(dl && weft::clock::now() == std::max(*dl, t0),
                  at() + "wait_for true before the context's deadline");
        }
        check_err(i);
        break;
      }
      case opk::after_cancel: {
        if (callbacks_.size() >= 32) break;
        const int k = static_cast<int>(callbacks_.size());
        callbacks_.push_back(callback{i, 0, false, false, {}});
        const bool done = i != 0 && static_cast<bool>(n.ctx.err());
        callbacks_[static_cast<std::size_t>(k)].handle =
            n.ctx.after_cancel([this, k] { ++callbacks_[static_cast<std::size_t>(k)].runs; });
        // Done before the call: the callback ran at once, once. Not done before: it may
        // still have run once, if the context became done during the call — the model
        // checker lets virtual time jump to a timer's deadline while this thread re-reads
        // the context's state (its spinner rule), so a deadline can pass mid-call.
        const int runs = callbacks_[static_cast<std::size_t>(k)].runs;
        require(done ? runs == 1 : (runs == 0 || (runs == 1 && static_cast<bool>(n.ctx.err()))),
                at() + "after_cancel on a done context must run the callback at once, once");
        break;
      }
      case opk::stop_callback:
        for (auto it = callbacks_.rbegin(); it != callbacks_.rend(); ++it) {
          if (it->stop_called) continue;
          it->stop_called = true;
          const int runs = it->runs;
          it->prevented = it->handle.stop();
          require(it->prevented == (runs == 0), at() + "stop() " +
                                                    (it->prevented ? "true" : "false") + " after " +
                                                    std::to_string(runs) + " runs");
          require(!it->handle.stop(), at() + "a second stop() returned true");
          break;
        }
        break;
      case opk::stop_default: {
        weft::after_cancel_handle none;
        require(!none.stop(), at() + "stop() of a default handle returned true");
        break;
      }
      case opk::stop_token: {
        const std::stop_token tok = n.ctx.stop_token();
        if (i == 0) {
          require(!tok.stop_possible(), at() + "background()'s stop_token can stop");
        } else {
          require(tok.stop_requested() == static_cast<bool>(n.ctx.err()),
                  at() + "stop_token and err() disagree");
        }
        break;
      }
      case opk::done_try_recv: {
        const auto done = n.ctx.done();
        if (i == 0) require(done.is_nil(), at() + "background()'s done() is not nil");
        const auto r = done.try_recv();
        const bool is_done = i != 0 && static_cast<bool>(n.ctx.err());
        require(r.status ==
                    (is_done ? weft::channel_status::closed : weft::channel_status::would_block),
                at() + "done().try_recv() returned " + weft::to_string(r.status));
        break;
      }
      case opk::count_:
        break;
    }
  }

  const program& p_;
  std::vector<node> nodes_;
  std::vector<callback> callbacks_;
  int idx_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const program p = decode(in);
  const auto schedule = weft::fuzz::schedule_bytes(in);
  weft::fuzz::run(
      schedule, [&p] { weft::fuzz_targets::run_world<world>(p); },
      weft::fuzz::default_options("context_misuse_fuzzer"), [&p] { return p.describe(); });
  return 0;
}
