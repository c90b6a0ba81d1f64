// rate_limiter_fuzzer.cpp — weft::rate_limiter over fuzzer-chosen programs and schedules.
//
// Program (decoded from the end of the input): a limiter — one token every 1..1000 us,
// unlimited (interval 0), or a rate of zero — with a burst of 0..4; a context
// (cancellable, or with a timeout); and 1..3 workers with 1..6 operations each: allow(n),
// reserve(n), cancel of the worker's latest reservation, wait(n), wait(ctx, n), sleep,
// cancel of the context, tokens().
//
// Checked (virtual time: the arithmetic is exact):
//   * the rate: events admitted by time t (allowed at t, reserved to act at t and not
//     cancelled before then, waited for until t) never exceed burst + t / interval since
//     construction — at a rate of zero, burst in total; unlimited: everything is allowed;
//   * requests above the burst: allow() false, reserve() not ok(), wait() throws
//     burst_exceeded (finite rate); n == 0 always succeeds;
//   * a reservation's delay() is its time_to_act() - now, never negative; wait(n) returns
//     no earlier than the time a reservation made then would act; wait(ctx) fails only
//     when ctx is done or its deadline comes before the tokens would;
//   * tokens() never exceeds the burst;
//   * quiescence: every worker has finished (all waits are timed);
//   * whatever the model checker detects.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "target_util.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/fuzz.hpp"
#include "weft/rate_limiter.hpp"
#include "weft/sync.hpp"

namespace {

using weft::fuzz::require;
using weft::fuzz_targets::since;
using weft::fuzz_targets::where;
using us = std::chrono::microseconds;
using ns = std::chrono::nanoseconds;

enum class rate : std::uint8_t { finite, unlimited, zero, count_ };
enum class opk : std::uint8_t {
  allow,
  reserve,
  cancel_reservation,
  wait,
  wait_ctx,
  sleep,
  cancel_ctx,
  tokens,
  count_
};
constexpr const char* kOpNames[] = {"allow",     "reserve", "cancel_reservation", "wait",
                                    "wait(ctx)", "sleep",   "cancel_ctx",         "tokens"};

struct op {
  opk kind;
  std::int64_t n;
  us d;
};

struct program {
  bool spurious = false;  // spurious wake-ups (target_util.hpp)
  rate kind = rate::finite;
  us interval{1};
  std::int64_t burst = 1;
  bool ctx_timeout = false;
  us ctx_after{0};
  std::vector<std::vector<op>> workers;

  std::string describe() const {
    std::ostringstream os;
    os << "  rate_limiter: "
       << (kind == rate::finite      ? "one token every " + std::to_string(interval.count()) + "us"
           : kind == rate::unlimited ? std::string("unlimited")
                                     : std::string("rate zero"))
       << ", burst " << burst << "; context "
       << (ctx_timeout ? "with_timeout " + std::to_string(ctx_after.count()) + "us"
                       : std::string("with_cancel"))
       << "\n";
    for (std::size_t w = 0; w < workers.size(); ++w) {
      os << "  worker " << w << ":";
      for (const op& o : workers[w]) {
        os << " " << kOpNames[static_cast<int>(o.kind)] << "(" << o.n << "," << o.d.count()
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
  p.kind = weft::fuzz_targets::pick<rate>(in);
  p.interval = us(in.ConsumeIntegralInRange<int>(1, 1000));
  p.burst = in.ConsumeIntegralInRange<std::int64_t>(0, 4);
  p.ctx_timeout = in.ConsumeBool();
  p.ctx_after = us(in.ConsumeIntegralInRange<int>(0, 3000));
  p.workers.resize(in.ConsumeIntegralInRange<std::size_t>(1, 3));
  for (auto& ops : p.workers) {
    const int count = in.ConsumeIntegralInRange<int>(1, 6);
    for (int i = 0; i < count; ++i) {
      op o{};
      o.kind = weft::fuzz_targets::pick<opk>(in);
      o.n = in.ConsumeIntegralInRange<std::int64_t>(0, p.burst + 1);
      o.d = us(in.ConsumeIntegralInRange<int>(0, 3000));
      ops.push_back(o);
    }
  }
  return p;
}

class world {
 public:
  explicit world(const program& p)
      : p_(p),
        start_(weft::clock::now()),
        limiter_(p.kind == rate::finite      ? weft::rate_limiter(p.interval, p.burst)
                 : p.kind == rate::unlimited ? weft::rate_limiter(ns(0), p.burst)
                                             : weft::rate_limiter(0.0, p.burst)),
        reservations_(p.workers.size()) {
    auto pair = p.ctx_timeout ? weft::with_timeout(weft::background(), p.ctx_after)
                              : weft::with_cancel(weft::background());
    ctx_ = pair.first;
    cancel_ = pair.second;
    waits_.resize(p.workers.size());
  }

  void run() {
    std::vector<weft::thread> threads;
    threads.reserve(p_.workers.size());
    for (std::size_t w = 0; w < p_.workers.size(); ++w) {
      threads.emplace_back([this, w] { run_worker(static_cast<int>(w)); });
    }
    // Every wait here is timed, so quiescence has nothing to judge (target_util.hpp,
    // "Timed waits"); it only makes the end state below the end of the program.
    quiet_.settle();
    cancel_();
    for (auto& t : threads) {
      t.join();
    }
    check_rate();
  }

 private:
  struct reservation_rec {
    weft::rate_limiter::reservation r;
    std::size_t event = 0;  // index into events_
  };
  struct event {
    weft::clock::time_point at;
    std::int64_t n;
    bool counted = true;
  };

  bool limited() const { return p_.kind != rate::unlimited; }
  bool too_big(std::int64_t n) const { return limited() && n > p_.burst; }

  void admitted(weft::clock::time_point at, std::int64_t n) {
    if (n > 0) events_.push_back({at, n, true});
  }

  void run_worker(int w) {
    const auto& ops = p_.workers[static_cast<std::size_t>(w)];
    for (std::size_t i = 0; i < ops.size(); ++i) {
      run_op(w, static_cast<int>(i), ops[i]);
      quiet_.step();
    }
  }

  void run_op(int w, int idx, const op& o) {
    const std::string at = where(w, idx);
    const auto t0 = weft::clock::now();
    auto& wait = waits_[static_cast<std::size_t>(w)];
    switch (o.kind) {
      case opk::allow: {
        const bool ok = limiter_.allow(o.n);
        if (o.n == 0 || !limited()) require(ok, at + "allow() refused an always-allowed request");
        if (too_big(o.n)) require(!ok, at + "allow() granted more than the burst");
        // Admitted at some instant between t0 and now: now is the conservative one
        // (virtual time may jump while a thread is between two operations).
        if (ok) admitted(weft::clock::now(), o.n);
        weft::fuzz::observe(1, weft::fuzz_targets::op_site(w, idx), ok ? 1 : 0);
        break;
      }
      case opk::reserve: {
        auto r = limiter_.reserve(o.n);
        // An ok reservation moves into reservations_ below; its delay is then read there.
        const weft::rate_limiter::reservation* held = &r;
        if (too_big(o.n)) require(!r.ok(), at + "reserve() ok for more than the burst");
        if (o.n == 0 || !limited()) require(r.ok(), at + "reserve() refused an always-ok request");
        if (r.ok()) {
          const auto delay = r.delay();
          require(delay >= weft::clock::duration::zero(), at + "negative delay()");
          require(delay ==
                      std::max(r.time_to_act() - weft::clock::now(), weft::clock::duration::zero()),
                  at + "delay() is not time_to_act() - now");
          require(r.time_to_act() >= t0, at + "a reservation acting in the past");
          admitted(r.time_to_act(), o.n);
          auto& mine = reservations_[static_cast<std::size_t>(w)];
          mine.push_back({std::move(r), events_.size() - (o.n > 0 ? 1 : 0)});
          held = &mine.back().r;
          if (o.n == 0) mine.back().event = static_cast<std::size_t>(-1);
        } else {
          require(r.delay() == weft::clock::duration::max(), at + "a failed reservation's delay");
        }
        weft::fuzz::observe(2, weft::fuzz_targets::op_site(w, idx),
                            static_cast<std::uint64_t>(held->delay().count() / 1000));
        break;
      }
      case opk::cancel_reservation: {
        auto& mine = reservations_[static_cast<std::size_t>(w)];
        if (mine.empty()) break;
        reservation_rec rec = std::move(mine.back());
        mine.pop_back();
        const auto now = weft::clock::now();
        rec.r.cancel();
        // Tokens come back only while the reservation is not due (time_to_act >= now);
        // a due one stays admitted.
        if (rec.event != static_cast<std::size_t>(-1) && rec.r.time_to_act() >= now) {
          events_[rec.event].counted = false;
        }
        break;
      }
      case opk::wait: {
        wait.begin(idx, 0, 0, true, false);
        bool ok = false;
        bool threw = false;
        try {
          ok = limiter_.wait(o.n);
        } catch (const weft::burst_exceeded&) {
          threw = true;
        }
        wait.end();
        if (threw) {
          require(p_.kind == rate::finite && o.n > p_.burst,
                  at + "wait() threw burst_exceeded for a request that can be met");
        } else {
          require(!(p_.kind == rate::finite && o.n > p_.burst),
                  at + "wait() did not throw for more than the burst");
          if (o.n == 0 || !limited()) require(ok, at + "wait() failed an always-ok request");
          if (ok) admitted(weft::clock::now(), o.n);
        }
        weft::fuzz::observe(3, weft::fuzz_targets::op_site(w, idx),
                            static_cast<std::uint64_t>(since(t0).count() / 1000));
        break;
      }
      case opk::wait_ctx: {
        wait.begin(idx, 0, 0, true, true);
        bool ok = false;
        bool threw = false;
        try {
          ok = limiter_.wait(ctx_, o.n);
        } catch (const weft::burst_exceeded&) {
          threw = true;
        }
        wait.end();
        if (threw) {
          require(p_.kind == rate::finite && o.n > p_.burst,
                  at + "wait(ctx) threw burst_exceeded for a request that can be met");
        } else if (ok) {
          admitted(weft::clock::now(), o.n);
        } else if (p_.kind != rate::zero) {
          // Fails only when ctx is done, or its deadline comes before the tokens would.
          const auto dl = ctx_.deadline();
          require(static_cast<bool>(ctx_.err()) || (dl.has_value() && p_.kind == rate::finite),
                  at + "wait(ctx) failed with a live context and no deadline");
        }
        weft::fuzz::observe(4, weft::fuzz_targets::op_site(w, idx), ok ? 1 : 0);
        break;
      }
      case opk::sleep:
        weft::this_thread::sleep_for(o.d);
        break;
      case opk::cancel_ctx:
        cancel_();
        break;
      case opk::tokens: {
        const double t = limiter_.tokens();
        require(t <= static_cast<double>(p_.burst) + 1e-9,
                at + "tokens() " + std::to_string(t) + " exceeds the burst");
        break;
      }
      case opk::count_:
        break;
    }
  }

  // The rate bound over every admitted event (see the header comment).
  void check_rate() {
    if (p_.kind == rate::unlimited) return;
    std::vector<event> ev;
    for (const event& e : events_) {
      if (e.counted) ev.push_back(e);
    }
    std::sort(ev.begin(), ev.end(), [](const event& a, const event& b) { return a.at < b.at; });
    std::int64_t total = 0;
    for (std::size_t k = 0; k < ev.size(); ++k) {
      total += ev[k].n;
      if (k + 1 < ev.size() && ev[k + 1].at == ev[k].at) continue;
      const auto t = ev[k].at - start_;
      const std::int64_t refill =
          p_.kind == rate::zero ? 0 : t / std::chrono::duration_cast<ns>(p_.interval);
      require(total <= p_.burst + refill,
              std::to_string(total) + " tokens admitted by " + std::to_string(t.count()) +
                  " ns, but burst + refill allows only " + std::to_string(p_.burst + refill));
    }
  }

  const program& p_;
  weft::fuzz_targets::quiescence quiet_;
  const weft::clock::time_point start_;
  weft::rate_limiter limiter_;
  weft::context ctx_;
  weft::cancel_func cancel_;
  std::vector<std::vector<reservation_rec>> reservations_;
  std::vector<weft::fuzz_targets::waiting> waits_;
  std::vector<event> events_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const program p = decode(in);
  const auto schedule = weft::fuzz::schedule_bytes(in);
  weft::fuzz::run(
      schedule, [&p] { weft::fuzz_targets::run_world<world>(p); },
      weft::fuzz_targets::options("rate_limiter_fuzzer", p.spurious),
      [&p] { return p.describe(); });
  return 0;
}
