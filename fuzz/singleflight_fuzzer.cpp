// singleflight_fuzzer.cpp — weft::singleflight<int, int> over fuzzer-chosen programs and
// schedules.
//
// Program (decoded from the end of the input): a context (cancellable, or with a timeout)
// and 1..3 workers with 1..5 operations each on keys 0..1: run, run_for, run(ctx),
// run_async (then a timed wait and get on the returned flight), forget, cancel of the
// context, sleep. Each call's fn records that it runs (a new flight), maybe sleeps on
// virtual time, then returns a value that names its flight and key — or throws an
// exception that names them.
//
// Checked:
//   * fn never runs twice at once for a key unless a forget() of that key may have
//     detached the first flight in between;
//   * every caller gets a flight's value or its exception, of its own key; a caller whose
//     fn ran (its own flight) gets that flight's outcome; a caller that joined gets the
//     outcome of a flight that had not completed before it called, after that flight's
//     fn returned;
//   * shared: a joiner always reports shared; a leader reporting shared == false was the
//     flight's only receiver;
//   * run_for returns nullopt only at or after its deadline, run(ctx) only once ctx is
//     done, and neither when its own fn ran;
//   * quiescence: nobody asleep in an untimed wait (every fn has returned by then) and
//     in_flight() == 0; in_flight() == 0 at the end;
//   * whatever the model checker detects.
//
// Built a second time with WEFT_FUZZ_MUTANT (singleflight_fuzzer_mutant): a group whose
// bounded calls (run_for, run(ctx)) run fn themselves instead of joining — ctest checks
// that the committed inputs of fuzz/regressions/singleflight_fuzzer_mutant/ still crash it.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "target_util.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/fuzz.hpp"
#include "weft/singleflight.hpp"
#include "weft/sync.hpp"

namespace {

using weft::fuzz::require;
using weft::fuzz_targets::since;
using weft::fuzz_targets::where;
using us = std::chrono::microseconds;

#ifdef WEFT_FUZZ_MUTANT
// The planted bug: a bounded call never waits — it runs fn itself (no duplicate
// suppression for run_for and run(ctx)).
class group : public weft::singleflight<int, int> {
 public:
  template <class F>
  std::optional<weft::flight_result<int>> run(const int&, const weft::context& ctx, F&& fn) {
    if (ctx.err()) return std::nullopt;
    return weft::flight_result<int>{fn(), false};  // BUG: no flight, no waiting
  }
  template <class D, class F>
  std::optional<weft::flight_result<int>> run_for(const int&, const D&, F&& fn) {
    return weft::flight_result<int>{fn(), false};  // BUG: no flight, no waiting
  }
  using weft::singleflight<int, int>::run;
};
#else
using group = weft::singleflight<int, int>;
#endif

enum class opk : std::uint8_t { run, run_for, run_ctx, run_async, forget, cancel, sleep, count_ };
constexpr const char* kOpNames[] = {"run",    "run_for", "run(ctx)", "run_async",
                                    "forget", "cancel",  "sleep"};

struct op {
  opk kind;
  int key;
  bool fn_throws;
  bool fn_sleeps;
  us d;  // fn's sleep, run_for's timeout, run_async's wait, sleep
};

struct program {
  bool spurious = false;
  bool ctx_timeout = false;
  us ctx_after{0};
  std::vector<std::vector<op>> workers;

  std::string describe() const {
    std::ostringstream os;
    os << "  singleflight<int,int>, context "
       << (ctx_timeout ? "with_timeout " + std::to_string(ctx_after.count()) + "us"
                       : std::string("with_cancel"))
       << (spurious ? ", spurious wake-ups" : "") << "\n";
    for (std::size_t w = 0; w < workers.size(); ++w) {
      os << "  worker " << w << ":";
      for (const op& o : workers[w]) {
        os << " " << kOpNames[static_cast<int>(o.kind)];
        if (o.kind <= opk::forget) os << "(k" << o.key << ")";
        if (o.kind <= opk::run_async) {
          os << "[" << (o.fn_sleeps ? "sleep " : "") << (o.fn_throws ? "throws " : "")
             << o.d.count() << "us]";
        } else if (o.kind == opk::sleep) {
          os << "[" << o.d.count() << "us]";
        }
      }
      os << "\n";
    }
    return os.str();
  }
};

program decode(FuzzedDataProvider& in) {
  program p;
  p.spurious = weft::fuzz_targets::decode_spurious(in);
  p.ctx_timeout = in.ConsumeBool();
  p.ctx_after = us(in.ConsumeIntegralInRange<int>(0, 2000));
  p.workers.resize(in.ConsumeIntegralInRange<std::size_t>(1, 3));
  for (auto& ops : p.workers) {
    const int n = in.ConsumeIntegralInRange<int>(1, 5);
    for (int i = 0; i < n; ++i) {
      op o{};
      o.kind = weft::fuzz_targets::pick<opk>(in);
      o.key = in.ConsumeIntegralInRange<int>(0, 1);
      o.fn_throws = in.ConsumeIntegralInRange<int>(0, 3) == 0;
      o.fn_sleeps = in.ConsumeBool();
      o.d = us(in.ConsumeIntegralInRange<int>(0, 1000));
      ops.push_back(o);
    }
  }
  return p;
}

// What a throwing fn throws: its flight and key.
struct flight_error : std::runtime_error {
  flight_error(int f, int k) : std::runtime_error("flight " + std::to_string(f)), id(f), key(k) {}
  int id;
  int key;
};

// What the oracle knows about one flight (one run of fn). Sequence numbers order the
// oracle's events (seq_); 0: not yet.
struct flight_rec {
  int key = 0;
  bool throws = false;
  int owner_w = -1;  // the call whose fn this is
  int owner_op = -1;
  bool async = false;
  std::uint64_t forgets_before = 0;  // forgets of the key ended before the owner's call began
  std::uint64_t fn_start = 0;
  std::uint64_t fn_end = 0;
  std::uint64_t leader_return = 0;  // the owner's (synchronous) call returned
  int receivers = 0;                // callers that got its value
  bool owner_unshared = false;      // its owner got the value with shared == false
};

class world {
 public:
  explicit world(const program& p) : p_(p), workers_(p.workers.size()) {
    auto pair = p.ctx_timeout ? weft::with_timeout(weft::background(), p.ctx_after)
                              : weft::with_cancel(weft::background());
    ctx_ = pair.first;
    cancel_ = pair.second;
    flights_.reserve(64);
  }

  void run() {
    std::vector<weft::thread> threads;
    threads.reserve(workers_.size());
    for (std::size_t w = 0; w < workers_.size(); ++w) {
      threads.emplace_back([this, w] { run_worker(static_cast<int>(w)); });
    }
    quiet_.settle();
    if (!p_.spurious) check_quiescent();
    cancel_();
    for (auto& t : threads) {
      t.join();
    }
    check_end();
  }

 private:
  struct per_worker {
    weft::fuzz_targets::waiting wait;
    std::uint64_t call_begin = 0;  // seq_ when the current call began
  };

  std::uint64_t next() { return ++seq_; }

  void check_quiescent() {
    for (std::size_t w = 0; w < workers_.size(); ++w) {
      const auto& wt = workers_[w].wait;
      weft::fuzz::observe(3, w, wt.active ? static_cast<std::uint64_t>(wt.op) : 99);
      // Every fn has returned by now (their sleeps are far shorter than the settle), so
      // every flight has completed: nobody may still wait for one.
      require(!wt.active || wt.timed,
              where(static_cast<int>(w), wt.op) +
                  "asleep waiting for a flight although every fn has returned (lost wake-up)");
    }
    for (const flight_rec& f : flights_) {
      require(f.fn_end != 0, "a fn still running at quiescence");
    }
    const std::size_t n = group_.in_flight();
    require(n == 0, "in_flight() == " + std::to_string(n) + " at quiescence");
  }

  void check_end() {
    require(group_.in_flight() == 0, "in_flight() != 0 at the end");
    for (std::size_t i = 0; i < flights_.size(); ++i) {
      const flight_rec& f = flights_[i];
      require(f.fn_end != 0, "flight " + std::to_string(i) + ": fn never returned");
      require(!f.owner_unshared || f.receivers == 1,
              "flight " + std::to_string(i) + ": its leader got shared == false, but " +
                  std::to_string(f.receivers) + " callers got its value");
    }
  }

  void run_worker(int w) {
    const auto& ops = p_.workers[static_cast<std::size_t>(w)];
    for (std::size_t i = 0; i < ops.size(); ++i) {
      run_op(w, static_cast<int>(i), ops[i]);
      quiet_.step();
    }
  }

  // The fn of call (w, idx): a new flight of key k.
  // forgets_before: forgets of the key that had ended when the call began.
  int fn(int w, int idx, const op& o, bool async, std::uint64_t forgets_before) {
    const int k = o.key;
    const int id = static_cast<int>(flights_.size());
    const std::uint64_t now = next();
    // No other fn of the key may be running, unless a forget() may have detached the
    // flight registered first (an asynchronous flight registers long before its fn
    // starts): a forget running now, or one that ended after either call began.
    for (std::size_t g = 0; g < flights_.size(); ++g) {
      const flight_rec& other = flights_[g];
      if (other.key != k || other.fn_end != 0) continue;
      require(forgets_ended_[k] > std::min(other.forgets_before, forgets_before) ||
                  forgets_running_[k] > 0,
              where(w, idx) + "fn of key " + std::to_string(k) + " runs while flight " +
                  std::to_string(g) + "'s fn of that key runs, and no forget() came between");
    }
    flight_rec f;
    f.key = k;
    f.throws = o.fn_throws;
    f.owner_w = w;
    f.owner_op = idx;
    f.async = async;
    f.forgets_before = forgets_before;
    f.fn_start = now;
    flights_.push_back(f);
    weft::fuzz::observe(1, weft::fuzz_targets::op_site(w, idx), static_cast<std::uint64_t>(k),
                        running_count(k));
    if (o.fn_sleeps) weft::this_thread::sleep_for(o.d);
    flights_[static_cast<std::size_t>(id)].fn_end = next();
    if (o.fn_throws) throw flight_error(id, k);
    return id * 2 + k;
  }

  std::uint64_t running_count(int k) const {
    std::uint64_t n = 0;
    for (const flight_rec& f : flights_) {
      n += f.key == k && f.fn_end == 0 ? 1 : 0;
    }
    return n;
  }

  // The flight that call (w, idx) led, or -1.
  int led_by(int w, int idx) const {
    for (std::size_t g = 0; g < flights_.size(); ++g) {
      if (flights_[g].owner_w == w && flights_[g].owner_op == idx) return static_cast<int>(g);
    }
    return -1;
  }

  // Checks the flight id a call of key k got (its value's or its exception's).
  void check_flight(int w, int idx, int k, int id, bool threw, bool async) {
    const std::string at = where(w, idx);
    require(id >= 0 && static_cast<std::size_t>(id) < flights_.size(),
            at + "got the outcome of flight " + std::to_string(id) + ", which never ran");
    const flight_rec& f = flights_[static_cast<std::size_t>(id)];
    require(f.key == k, at + "a call of key " + std::to_string(k) + " got flight " +
                            std::to_string(id) + " of key " + std::to_string(f.key));
    require(f.throws == threw,
            at + (threw ? "got an exception from flight " + std::to_string(id) +
                              ", whose fn returned a value"
                        : "got a value from flight " + std::to_string(id) + ", whose fn threw"));
    const int mine = led_by(w, idx);
    if (mine >= 0) {
      require(mine == id, at + "ran fn (flight " + std::to_string(mine) +
                              ") but got the outcome of flight " + std::to_string(id));
      return;
    }
    // Joined: the flight's fn returned before the call did (the call waited for it), and
    // the flight had not completed — its synchronous leader returned — before the call.
    require(f.fn_end != 0, at + "returned with flight " + std::to_string(id) +
                               "'s outcome before its fn returned");
    require(async || f.async || f.leader_return == 0 ||
                f.leader_return > workers_[static_cast<std::size_t>(w)].call_begin,
            at + "joined flight " + std::to_string(id) + ", which had completed before the call");
  }

  void got_value(int w, int idx, int k, const weft::flight_result<int>& r, bool async) {
    const int id = r.value / 2;
    require(
        r.value >= 0 && r.value % 2 == k,
        where(w, idx) + "got value " + std::to_string(r.value) + " for key " + std::to_string(k));
    check_flight(w, idx, k, id, false, async);
    flight_rec& f = flights_[static_cast<std::size_t>(id)];
    ++f.receivers;
    const bool leader = f.owner_w == w && f.owner_op == idx;
    if (leader) {
      f.owner_unshared = !r.shared;
    } else {
      require(r.shared,
              where(w, idx) + "joined flight " + std::to_string(id) + " but got shared == false");
    }
    weft::fuzz::observe(2, weft::fuzz_targets::op_site(w, idx), leader ? 1 : 0, r.shared ? 1 : 0);
  }

  // Runs one call; its fn is fn(w, idx, o). Records its outcome.
  template <class Call>
  void call(int w, int idx, const op& o, Call&& c) {
    per_worker& m = workers_[static_cast<std::size_t>(w)];
    m.call_begin = next();
    try {
      c();
    } catch (const flight_error& e) {
      require(e.key == o.key, where(w, idx) + "got the exception of another key's flight");
      check_flight(w, idx, o.key, e.id, true, o.kind == opk::run_async);
      weft::fuzz::observe(2, weft::fuzz_targets::op_site(w, idx), 2);
    }
    m.wait.end();
    const int mine = led_by(w, idx);
    if (mine >= 0 && o.kind != opk::run_async) {
      flights_[static_cast<std::size_t>(mine)].leader_return = next();
    }
  }

  void run_op(int w, int idx, const op& o) {
    const std::string at = where(w, idx);
    per_worker& m = workers_[static_cast<std::size_t>(w)];
    const int k = o.key;
    // A flight whose fn runs may have been registered at any time since the call began.
    const std::uint64_t before = forgets_ended_[k];
    auto f = [this, w, idx, &o, before] { return fn(w, idx, o, false, before); };
    switch (o.kind) {
      case opk::run:
        call(w, idx, o, [&] {
          m.wait.begin(idx, 0, 0, false, false);
          const auto r = group_.run(k, f);
          m.wait.end();
          got_value(w, idx, k, r, false);
        });
        break;
      case opk::run_for:
        call(w, idx, o, [&] {
          const auto t0 = weft::clock::now();
          m.wait.begin(idx, 0, 0, true, false);
          const auto r = group_.run_for(k, o.d, f);
          m.wait.end();
          if (r) {
            got_value(w, idx, k, *r, false);
          } else {
            require(since(t0) >= o.d, at + "run_for gave up before its deadline");
            require(led_by(w, idx) < 0, at + "run_for ran fn and returned nullopt");
          }
          weft::fuzz::observe(4, weft::fuzz_targets::op_site(w, idx), r ? 1 : 0);
        });
        break;
      case opk::run_ctx:
        call(w, idx, o, [&] {
          m.wait.begin(idx, 0, 0, false, true);
          const auto r = group_.run(k, ctx_, f);
          m.wait.end();
          if (r) {
            got_value(w, idx, k, *r, false);
          } else {
            require(static_cast<bool>(ctx_.err()), at + "run(ctx) gave up with ctx live");
            require(led_by(w, idx) < 0, at + "run(ctx) ran fn and returned nullopt");
          }
          weft::fuzz::observe(4, weft::fuzz_targets::op_site(w, idx), r ? 2 : 3);
        });
        break;
      case opk::run_async:
        call(w, idx, o, [&] {
          weft::flight<int> fl = group_.run_async(
              k, [this, w, idx, &o, before] { return fn(w, idx, o, true, before); });
          require(fl.valid(), at + "run_async returned an invalid flight");
          m.wait.begin(idx, 0, 0, true, false);
          const auto status = fl.wait_for(o.d);
          m.wait.end();
          if (status == std::future_status::ready) {
            require(fl.ready(), at + "not ready() after wait_for returned ready");
          }
          m.wait.begin(idx, 0, 0, false, false);
          const auto r = fl.get();
          m.wait.end();
          got_value(w, idx, k, r, true);
        });
        break;
      case opk::forget: {
        ++forgets_running_[k];
        const bool had = group_.forget(k);
        --forgets_running_[k];
        ++forgets_ended_[k];
        weft::fuzz::observe(5, weft::fuzz_targets::op_site(w, idx), had ? 1 : 0);
        break;
      }
      case opk::cancel:
        cancel_();
        break;
      case opk::sleep:
        weft::this_thread::sleep_for(o.d);
        break;
      case opk::count_:
        break;
    }
  }

  const program& p_;
  weft::fuzz_targets::quiescence quiet_;
  group group_;
  weft::context ctx_;
  weft::cancel_func cancel_;
  std::vector<per_worker> workers_;
  std::vector<flight_rec> flights_;
  std::uint64_t seq_ = 0;
  std::uint64_t forgets_ended_[2] = {0, 0};
  int forgets_running_[2] = {0, 0};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const program p = decode(in);
  const auto schedule = weft::fuzz::schedule_bytes(in);
  weft::fuzz::run(
      schedule, [&p] { weft::fuzz_targets::run_world<world>(p); },
      weft::fuzz_targets::options("singleflight_fuzzer", p.spurious),
      [&p] { return p.describe(); });
  return 0;
}
