// context_fuzzer.cpp — weft::context trees over fuzzer-chosen programs and schedules.
//
// Program (decoded from the end of the input): a tree of 1..6 contexts below
// background() — each with_cancel, with_timeout, with_deadline or with_stop_token (one
// shared std::stop_source), created up front by the body or later by a worker (so
// creation races with the parent's cancellation) — and 1..3 workers with 1..6
// operations each: cancel, request_stop, wait, wait_for, receive from done(), a select
// on done(ctx) with a timeout, err(), deadline(), stop_token(), after_cancel and stop
// of a registered callback, sleep.
//
// Checked (virtual time makes the deadline arithmetic exact):
//   * err(): empty only while no ancestor-or-self cancellation has returned and the
//     effective deadline has not passed; deadline_exceeded only once it has passed;
//     cancelled only if some ancestor-or-self cancellation began before the deadline;
//     once set it never changes (every thread sees the first value);
//   * deadline() is the earliest of the node's own and its ancestors' deadlines;
//   * wait()/done()/select return only once the context is done (err() set); wait_for and
//     the select time out no earlier than asked, and wait_for never reports false once the
//     context's deadline has passed; a stop_token of a done context is stop-requested;
//   * after_cancel: each callback runs at most once, only on a done context, and exactly
//     once by the end unless stop() prevented it; stop() == true means it never runs,
//     stop() == false means it has finished when stop() returns;
//   * quiescence: nobody asleep on a context that is done (or whose deadline passed), no
//     timed wait outliving its deadline;
//   * whatever the model checker detects (timer threads must be joined: leaked threads).
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <stop_token>
#include <string>
#include <system_error>
#include <vector>

#include "target_util.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/fuzz.hpp"
#include "weft/select.hpp"
#include "weft/sync.hpp"

namespace {

using weft::fuzz::require;
using weft::fuzz_targets::since;
using weft::fuzz_targets::where;
using tp = weft::clock::time_point;
using us = std::chrono::microseconds;

constexpr tp kNever = tp::max();

enum class node_kind : std::uint8_t { cancel, timeout, deadline, stop, count_ };
constexpr const char* kKindNames[] = {"with_cancel", "with_timeout", "with_deadline",
                                      "with_stop_token"};

enum class opk : std::uint8_t {
  cancel,
  request_stop,
  wait,
  wait_for,
  done_recv,
  select_done,
  err,
  deadline,
  stop_token,
  after_cancel,
  stop_callback,
  sleep,
  count_,
  create,  // not decoded directly: inserted for nodes a worker creates
};
constexpr const char* kOpNames[] = {"cancel",     "request_stop", "wait",          "wait_for",
                                    "done_recv",  "select_done",  "err",           "deadline",
                                    "stop_token", "after_cancel", "stop_callback", "sleep",
                                    "?",          "create"};

struct node_spec {
  int parent = 0;  // 0: background
  node_kind kind = node_kind::cancel;
  us d{0};           // timeout, or deadline offset from the creation time
  int creator = -1;  // -1: the body, before the workers start; else that worker
};

struct op {
  opk kind;
  int node;  // 1..nodes
  us d;
};

struct program {
  bool spurious = false;         // spurious wake-ups (target_util.hpp)
  std::vector<node_spec> nodes;  // [0] is background
  std::vector<std::vector<op>> workers;

  std::string describe() const {
    std::ostringstream os;
    for (std::size_t i = 1; i < nodes.size(); ++i) {
      const auto& n = nodes[i];
      os << "  node " << i << " = " << kKindNames[static_cast<int>(n.kind)] << "(node " << n.parent
         << ", " << n.d.count() << "us), created by "
         << (n.creator < 0 ? std::string("the body") : "worker " + std::to_string(n.creator))
         << "\n";
    }
    for (std::size_t w = 0; w < workers.size(); ++w) {
      os << "  worker " << w << ":";
      for (const op& o : workers[w]) {
        os << " " << kOpNames[static_cast<int>(o.kind)] << "(" << o.node << "," << o.d.count()
           << "us)";
      }
      os << "\n";
    }
    return os.str();
  }
};

program decode(FuzzedDataProvider& in) {
  program p;
  p.spurious = weft::fuzz_targets::decode_spurious(in);
  const int workers = in.ConsumeIntegralInRange<int>(1, 3);
  const int nodes = in.ConsumeIntegralInRange<int>(1, 6);
  p.nodes.resize(static_cast<std::size_t>(nodes) + 1);
  p.workers.resize(static_cast<std::size_t>(workers));
  for (int i = 1; i <= nodes; ++i) {
    node_spec& n = p.nodes[static_cast<std::size_t>(i)];
    n.parent = in.ConsumeIntegralInRange<int>(0, i - 1);
    n.kind = weft::fuzz_targets::pick<node_kind>(in);
    n.d = us(in.ConsumeIntegralInRange<int>(0, 3000));
    const int creator = in.ConsumeIntegralInRange<int>(-1, workers - 1);
    // A node made by a worker needs its parent to exist by then: the body's nodes always
    // do; a worker's node only within that worker.
    const int parent_creator = p.nodes[static_cast<std::size_t>(n.parent)].creator;
    n.creator = parent_creator >= 0 ? parent_creator : creator;
  }
  for (auto& ops : p.workers) {
    const int count = in.ConsumeIntegralInRange<int>(1, 6);
    for (int i = 0; i < count; ++i) {
      op o{};
      o.kind = weft::fuzz_targets::pick<opk>(in);
      o.node = in.ConsumeIntegralInRange<int>(1, nodes);
      o.d = us(in.ConsumeIntegralInRange<int>(0, 3000));
      ops.push_back(o);
    }
  }
  // Each worker-made node is created at a chosen point of its creator's program, after
  // its parent's creation.
  for (int i = 1; i <= nodes; ++i) {
    const node_spec& n = p.nodes[static_cast<std::size_t>(i)];
    if (n.creator < 0) continue;
    auto& ops = p.workers[static_cast<std::size_t>(n.creator)];
    std::size_t earliest = 0;
    for (std::size_t k = 0; k < ops.size(); ++k) {
      if (ops[k].kind == opk::create && ops[k].node == n.parent) earliest = k + 1;
    }
    const std::size_t at =
        earliest + in.ConsumeIntegralInRange<std::size_t>(0, ops.size() - earliest);
    ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(at), op{opk::create, i, us(0)});
  }
  return p;
}

// What the oracle knows about one context.
struct node_state {
  bool exists = false;
  weft::context ctx;
  weft::cancel_func cancel;
  tp deadline = kNever;      // effective
  tp cancel_began = kNever;  // earliest start of a cancellation of this node itself
  bool cancel_returned = false;
  std::error_code first_err;  // the first non-empty err() anybody saw
};

struct callback_state {
  int node = 0;
  int runs = 0;
  bool stop_called = false;
  bool prevented = false;
  weft::after_cancel_handle handle;
};

struct per_worker {
  weft::fuzz_targets::waiting wait;
  std::vector<int> callbacks;  // indices into world::callbacks_, registered by this worker
};

class world {
 public:
  explicit world(const program& p) : p_(p), nodes_(p.nodes.size()), workers_(p.workers.size()) {
    for (std::size_t i = 1; i < p.nodes.size(); ++i) {
      if (p.nodes[i].creator < 0) create(static_cast<int>(i));
    }
    callbacks_.reserve(64);
  }

  void run() {
    std::vector<weft::thread> threads;
    threads.reserve(workers_.size());
    for (std::size_t w = 0; w < workers_.size(); ++w) {
      threads.emplace_back([this, w] { run_worker(static_cast<int>(w)); });
    }
    quiet_.settle();
    if (!p_.spurious) check_quiescent();
    request_stop();
    closing_ = true;  // from now on, a node a worker makes is cancelled at once
    for (std::size_t i = 1; i < nodes_.size(); ++i) {
      if (nodes_[i].exists) cancel_node(static_cast<int>(i));
    }
    for (auto& t : threads) {
      t.join();
    }
    check_end();
  }

 private:
  // ---- the tree ----
  void create(int i) {
    const node_spec& s = p_.nodes[static_cast<std::size_t>(i)];
    node_state& parent = nodes_[static_cast<std::size_t>(s.parent)];
    if (s.parent != 0 && !parent.exists) return;
    const weft::context pctx = s.parent == 0 ? weft::background() : parent.ctx;
    const tp now = weft::clock::now();
    std::pair<weft::context, weft::cancel_func> made;
    tp own = kNever;
    switch (s.kind) {
      case node_kind::cancel:
      case node_kind::count_:
        made = weft::with_cancel(pctx);
        break;
      case node_kind::timeout:
        made = weft::with_timeout(pctx, s.d);
        own = now + s.d;
        break;
      case node_kind::deadline:
        own = now + s.d;
        made = weft::with_deadline(pctx, own);
        break;
      case node_kind::stop:
        made = weft::with_stop_token(pctx, stop_source_.get_token());
        break;
    }
    node_state& n = nodes_[static_cast<std::size_t>(i)];
    n.ctx = made.first;
    n.cancel = made.second;
    n.deadline = std::min(own, s.parent == 0 ? kNever : parent.deadline);
    n.exists = true;
    check_deadline(i, "at creation");
    if (closing_) cancel_node(i);
  }

  void cancel_node(int i) {
    node_state& n = nodes_[static_cast<std::size_t>(i)];
    note_cancel_began(i);
    const weft::cancel_func cancel = n.cancel;  // a copy: the node may be used concurrently
    cancel();
    n.cancel_returned = true;
  }

  // Only the call that makes the request runs the stop callbacks (and so cancels the
  // with_stop_token contexts) before it returns; a later one returns at once.
  void request_stop() {
    stop_began_ = std::min(stop_began_, weft::clock::now());
    if (stop_source_.request_stop()) stop_returned_ = true;
  }

  // Earliest start of a cancellation that reaches node i (itself or an ancestor), and
  // whether one of them has returned.
  tp cancel_began(int i) const {
    tp t = kNever;
    for (int k = i; k != 0; k = p_.nodes[static_cast<std::size_t>(k)].parent) {
      t = std::min(t, nodes_[static_cast<std::size_t>(k)].cancel_began);
      if (p_.nodes[static_cast<std::size_t>(k)].kind == node_kind::stop) {
        t = std::min(t, stop_began_);
      }
    }
    return t;
  }
  bool cancel_returned(int i) const {
    for (int k = i; k != 0; k = p_.nodes[static_cast<std::size_t>(k)].parent) {
      if (nodes_[static_cast<std::size_t>(k)].cancel_returned) return true;
      if (p_.nodes[static_cast<std::size_t>(k)].kind == node_kind::stop && stop_returned_) {
        return true;
      }
    }
    return false;
  }
  void note_cancel_began(int i) {
    node_state& n = nodes_[static_cast<std::size_t>(i)];
    n.cancel_began = std::min(n.cancel_began, weft::clock::now());
  }
  // Whether the oracle knows node i is done by now.
  bool must_be_done(int i) const {
    return cancel_returned(i) || weft::clock::now() >= nodes_[static_cast<std::size_t>(i)].deadline;
  }

  // ---- checks ----
  void check_err(int i, std::error_code e, const std::string& at) {
    node_state& n = nodes_[static_cast<std::size_t>(i)];
    const tp now = weft::clock::now();
    weft::fuzz::observe(1, static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(e.value()));
    if (!e) {
      require(!cancel_returned(i), at + "err() empty after a cancellation of it returned");
      require(now < n.deadline, at + "err() empty after its deadline passed");
      require(!n.first_err, at + "err() went back to empty");
      return;
    }
    require(e.category() == weft::context_category(), at + "err() of a foreign category");
    if (e == weft::context_errc::deadline_exceeded) {
      require(now >= n.deadline, at + "deadline_exceeded before the deadline");
    } else {
      require(e == weft::context_errc::cancelled, at + "err() is neither reason: " + e.message());
      require(cancel_began(i) < n.deadline,
              at + "cancelled, but no cancellation began before its deadline");
    }
    if (!n.first_err) n.first_err = e;
    require(n.first_err == e,
            at + "err() changed from " + n.first_err.message() + " to " + e.message());
  }

  void check_deadline(int i, const std::string& at) {
    const node_state& n = nodes_[static_cast<std::size_t>(i)];
    const auto d = n.ctx.deadline();
    if (n.deadline == kNever) {
      require(!d.has_value(), at + "deadline() set on a context without one");
    } else {
      require(d.has_value() && *d == n.deadline,
              at + "deadline() is not the earliest of its own and its ancestors'");
    }
  }

  // ---- the operations ----
  void run_worker(int w) {
    const auto& ops = p_.workers[static_cast<std::size_t>(w)];
    for (std::size_t k = 0; k < ops.size(); ++k) {
      run_op(w, static_cast<int>(k), ops[k]);
      quiet_.step();
      check_deferred();
    }
  }

  void defer(const std::string& violation) {
    if (deferred_.empty()) deferred_ = violation;
  }
  void check_deferred() { require(deferred_.empty(), deferred_); }

  void run_op(int w, int idx, const op& o) {
    const std::string at = where(w, idx);
    if (o.kind == opk::create) {
      create(o.node);
      return;
    }
    if (o.kind == opk::request_stop) {
      request_stop();
      return;
    }
    if (o.kind == opk::sleep) {
      const tp t0 = weft::clock::now();
      weft::this_thread::sleep_for(o.d);
      require(since(t0) >= o.d, at + "sleep_for returned early");
      return;
    }
    if (o.kind == opk::stop_callback) {
      stop_callback(w, idx);
      return;
    }
    node_state& n = nodes_[static_cast<std::size_t>(o.node)];
    if (!n.exists) return;            // made later (or never) by another worker
    const weft::context ctx = n.ctx;  // a copy: the node may be used concurrently
    const int i = o.node;
    per_worker& m = workers_[static_cast<std::size_t>(w)];
    const tp t0 = weft::clock::now();
    switch (o.kind) {
      case opk::cancel: {
        cancel_node(i);
        check_err(i, ctx.err(), at + "after cancel: ");
        break;
      }
      case opk::wait:
        m.wait.begin(idx, 0, 0, false, true, i);
        ctx.wait();
        m.wait.end();
        check_err(i, ctx.err(), at + "after wait: ");
        require(static_cast<bool>(ctx.err()), at + "wait() returned, err() empty");
        break;
      case opk::wait_for: {
        m.wait.begin(idx, 0, 0, true, true, i);
        const bool done = ctx.wait_for(o.d);
        const tp returned = weft::clock::now();  // no scheduling point since its last check
        m.wait.end();
        const auto e = ctx.err();
        check_err(i, e, at + "after wait_for: ");
        if (done) {
          require(static_cast<bool>(e), at + "wait_for true, err() empty");
        } else {
          require(since(t0) >= o.d, at + "wait_for timed out early");
          require(returned < n.deadline, at + "wait_for false after the context's deadline");
        }
        weft::fuzz::observe(2, weft::fuzz_targets::op_site(w, idx), done ? 1 : 0);
        break;
      }
      case opk::done_recv: {
        m.wait.begin(idx, 0, 0, false, true, i);
        const auto v = ctx.done().recv();
        m.wait.end();
        require(!v.has_value(), at + "a value from done()");
        check_err(i, ctx.err(), at + "after done().recv(): ");
        require(static_cast<bool>(ctx.err()), at + "done() closed, err() empty");
        break;
      }
      case opk::select_done: {
        m.wait.begin(idx, 0, 0, true, true, i);
        const std::size_t fired = weft::select(weft::done(ctx), weft::timeout(o.d));
        m.wait.end();
        const auto e = ctx.err();
        check_err(i, e, at + "after select: ");
        if (fired == 0) {
          require(static_cast<bool>(e), at + "done(ctx) fired, err() empty");
        } else {
          // (Not "and the context's deadline had not passed": virtual time may jump
          // between building the timeout case and the scan, and then both are ready.)
          require(since(t0) >= o.d, at + "select timeout fired early");
        }
        weft::fuzz::observe(3, weft::fuzz_targets::op_site(w, idx), fired);
        break;
      }
      case opk::err:
        check_err(i, ctx.err(), at + "err(): ");
        break;
      case opk::deadline:
        check_deadline(i, at);
        break;
      case opk::stop_token: {
        const bool known_done = must_be_done(i) || static_cast<bool>(n.first_err);
        const std::stop_token tok = ctx.stop_token();
        if (tok.stop_requested()) {
          require(static_cast<bool>(ctx.err()), at + "stop_token requested, err() empty");
        }
        if (known_done) {
          require(tok.stop_requested(), at + "stop_token of a done context not requested");
        }
        require(tok.stop_possible(), at + "stop_token of a context cannot stop");
        break;
      }
      case opk::after_cancel: {
        const int k = static_cast<int>(callbacks_.size());
        if (k >= 64) break;  // keep the reserve: callbacks_ must not reallocate
        callbacks_.push_back(callback_state{i, 0, false, false, {}});
        m.callbacks.push_back(k);
        // Callbacks are noexcept (a failed require would terminate without a report):
        // they note what is wrong, and the next check reports it.
        callbacks_[static_cast<std::size_t>(k)].handle = ctx.after_cancel([this, k, i] {
          callback_state& cb = callbacks_[static_cast<std::size_t>(k)];
          ++cb.runs;
          const std::string name = "callback " + std::to_string(k);
          if (cb.runs != 1) defer(name + " ran twice");
          if (cb.prevented) defer(name + " ran after stop() == true");
          weft::fuzz::observe(4, static_cast<std::uint64_t>(k),
                              static_cast<std::uint64_t>(weft::fuzz::thread_index()));
          // The callback runs once the context is done: err() is set.
          if (!nodes_[static_cast<std::size_t>(i)].ctx.err()) {
            defer(name + " ran on a context that is not done");
          }
        });
        break;
      }
      default:
        break;
    }
  }

  void stop_callback(int w, int idx) {
    per_worker& m = workers_[static_cast<std::size_t>(w)];
    for (auto it = m.callbacks.rbegin(); it != m.callbacks.rend(); ++it) {
      callback_state& cb = callbacks_[static_cast<std::size_t>(*it)];
      if (cb.stop_called) continue;
      cb.stop_called = true;
      const bool prevented = cb.handle.stop();
      cb.prevented = prevented;
      if (prevented) {
        require(cb.runs == 0, where(w, idx) + "stop() == true, yet the callback ran");
      } else {
        require(cb.runs == 1, where(w, idx) +
                                  "stop() == false returned before the callback "
                                  "finished (or it never ran)");
      }
      weft::fuzz::observe(5, weft::fuzz_targets::op_site(w, idx), prevented ? 1 : 0);
      return;
    }
  }

  // ---- the oracle ----
  void check_quiescent() {
    for (std::size_t w = 0; w < workers_.size(); ++w) {
      const auto& wt = workers_[w].wait;
      weft::fuzz::observe(6, w, wt.active ? static_cast<std::uint64_t>(wt.op) : 99);
      // Timed waits are not judged (target_util.hpp, "Timed waits"), nor is a passed
      // deadline: waits on a context with a deadline are timed waits underneath.
      if (!wt.active || wt.timed) continue;
      const std::string at = where(static_cast<int>(w), wt.op);
      require(!cancel_returned(wt.object), at + "asleep on a context whose cancellation returned");
    }
  }

  void check_end() {
    check_deferred();
    for (std::size_t i = 1; i < nodes_.size(); ++i) {
      if (!nodes_[i].exists) continue;
      const auto e = nodes_[i].ctx.err();
      require(static_cast<bool>(e), "node " + std::to_string(i) + " not done at the end");
      check_err(static_cast<int>(i), e, "node " + std::to_string(i) + " at the end: ");
      check_deadline(static_cast<int>(i), "node " + std::to_string(i) + " at the end: ");
    }
    for (std::size_t k = 0; k < callbacks_.size(); ++k) {
      const callback_state& cb = callbacks_[k];
      require(cb.runs == (cb.prevented ? 0 : 1),
              "callback " + std::to_string(k) + " ran " + std::to_string(cb.runs) +
                  " times (stop() prevented it: " + (cb.prevented ? "yes" : "no") + ")");
    }
  }

  const program& p_;
  weft::fuzz_targets::quiescence quiet_;
  std::vector<node_state> nodes_;
  std::vector<per_worker> workers_;
  std::vector<callback_state> callbacks_;
  std::stop_source stop_source_;
  tp stop_began_ = kNever;
  bool stop_returned_ = false;  // a request_stop() that made the request has returned
  bool closing_ = false;        // the body is cancelling everything
  std::string deferred_;        // a violation seen where it could not be reported
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const program p = decode(in);
  const auto schedule = weft::fuzz::schedule_bytes(in);
  weft::fuzz::run(
      schedule, [&p] { weft::fuzz_targets::run_world<world>(p); },
      weft::fuzz_targets::options("context_fuzzer", p.spurious), [&p] { return p.describe(); });
  return 0;
}
