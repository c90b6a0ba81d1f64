// semaphore_fuzzer.cpp — weft::weighted_semaphore over fuzzer-chosen programs and
// schedules.
//
// Program (decoded from the end of the input): a semaphore of size 1..5, a context
// (cancellable, or with a timeout), and 1..3 workers running 1..5 critical sections
// each: take n (0..size) permits with acquire, acquire_for, acquire(ctx) or
// try_acquire; if granted, optionally sleep or take a snapshot while holding them; then
// release them (whole, or in two parts). Between sections a worker may cancel the
// context or take a snapshot. Nobody holds permits while waiting for more, so every
// program terminates when the semaphore is correct.
//
// Checked:
//   * never over-admitted: the permits held by workers that returned from acquire never
//     exceed the size;
//   * available() stays within what the holders and the operations in flight allow;
//     waiting() never exceeds the workers that are inside an acquire;
//   * acquire_for fails only at or after its deadline; acquire(ctx) fails only once ctx
//     is done;
//   * quiescence: once everybody is finished or asleep, nobody is asleep (all permits are
//     free then — a sleeping acquirer is a lost wake-up), available() == size and
//     waiting() == 0;
//   * whatever the model checker detects.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "target_util.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/fuzz.hpp"
#include "weft/semaphore.hpp"
#include "weft/sync.hpp"

namespace {

using weft::fuzz::require;
using weft::fuzz_targets::pick;
using weft::fuzz_targets::since;
using weft::fuzz_targets::where;
using us = std::chrono::microseconds;

enum class take : std::uint8_t { acquire, acquire_for, acquire_ctx, try_acquire, count_ };
enum class hold : std::uint8_t { nothing, sleep, snapshot, split_release, count_ };
enum class between : std::uint8_t { nothing, cancel, snapshot, sleep, count_ };
constexpr const char* kTakeNames[] = {"acquire", "acquire_for", "acquire(ctx)", "try_acquire"};
constexpr const char* kHoldNames[] = {"-", "sleep", "snapshot", "split-release"};
constexpr const char* kBetweenNames[] = {"-", "cancel", "snapshot", "sleep"};

struct section {
  take how;
  std::int64_t n;
  hold during;
  between after;
  us d;
};

struct program {
  bool spurious = false;  // spurious wake-ups (target_util.hpp)
  std::int64_t size = 1;
  bool ctx_timeout = false;
  us ctx_after{0};
  std::vector<std::vector<section>> workers;

  std::string describe() const {
    std::ostringstream os;
    os << "  weighted_semaphore(" << size << "), context "
       << (ctx_timeout ? "with_timeout " + std::to_string(ctx_after.count()) + "us"
                       : std::string("with_cancel"))
       << "\n";
    for (std::size_t w = 0; w < workers.size(); ++w) {
      os << "  worker " << w << ":";
      for (const section& s : workers[w]) {
        os << " [" << kTakeNames[static_cast<int>(s.how)] << "(" << s.n << ") "
           << kHoldNames[static_cast<int>(s.during)] << " "
           << kBetweenNames[static_cast<int>(s.after)] << " " << s.d.count() << "us]";
      }
      os << "\n";
    }
    return os.str();
  }
};

program decode(FuzzedDataProvider& in) {
  program p;
  p.spurious = weft::fuzz_targets::decode_spurious(in);
  p.size = in.ConsumeIntegralInRange<std::int64_t>(1, 5);
  p.ctx_timeout = in.ConsumeBool();
  p.ctx_after = us(in.ConsumeIntegralInRange<int>(0, 2000));
  p.workers.resize(in.ConsumeIntegralInRange<std::size_t>(1, 3));
  for (auto& sections : p.workers) {
    const int count = in.ConsumeIntegralInRange<int>(1, 5);
    for (int i = 0; i < count; ++i) {
      section s{};
      s.how = pick<take>(in);
      s.n = in.ConsumeIntegralInRange<std::int64_t>(0, p.size);
      s.during = pick<hold>(in);
      s.after = pick<between>(in);
      s.d = us(in.ConsumeIntegralInRange<int>(0, 1000));
      sections.push_back(s);
    }
  }
  return p;
}

class world {
 public:
  explicit world(const program& p) : p_(p), sem_(p.size), workers_(p.workers.size()) {
    auto pair = p.ctx_timeout ? weft::with_timeout(weft::background(), p.ctx_after)
                              : weft::with_cancel(weft::background());
    ctx_ = pair.first;
    cancel_ = pair.second;
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
  }

 private:
  void check_quiescent() {
    for (std::size_t w = 0; w < workers_.size(); ++w) {
      const auto& wt = workers_[w].wait;
      weft::fuzz::observe(3, w, wt.active ? static_cast<std::uint64_t>(wt.op) : 99);
      require(!wt.active, where(static_cast<int>(w), wt.op) +
                              "asleep in acquire although every permit is free (lost wake-up)");
    }
    require(held_ == 0 && acquiring_ == 0 && releasing_ == 0, "bookkeeping at quiescence");
    require(sem_.available() == p_.size,
            "available() == " + std::to_string(sem_.available()) + " with nothing held");
    require(sem_.waiting() == 0,
            "waiting() == " + std::to_string(sem_.waiting()) + " with nobody waiting");
  }

  // available() and waiting() read the semaphore at one instant inside the calls, while
  // other workers' bookkeeping may change during them: the bounds are taken over the
  // whole call (every bookkeeping change updates every open window).
  struct window {
    bool open = false;
    std::int64_t held_lo = 0;  // least held_ seen
    std::int64_t held_hi = 0;  // most held_ + in flight seen
    int acquirers_hi = 0;      // most workers inside acquire seen
  };
  struct per_worker {
    weft::fuzz_targets::waiting wait;
    window win;
  };

  void touch() {
    for (auto& m : workers_) {
      window& win = m.win;
      if (!win.open) continue;
      win.held_lo = std::min(win.held_lo, held_);
      win.held_hi = std::max(win.held_hi, held_ + acquiring_ + releasing_);
      win.acquirers_hi = std::max(win.acquirers_hi, in_acquire_);
    }
  }

  void snapshot(int w, const std::string& at) {
    window& win = workers_[static_cast<std::size_t>(w)].win;
    win = window{true, held_, held_ + acquiring_ + releasing_, in_acquire_};
    const std::int64_t avail = sem_.available();
    const std::size_t waiting = sem_.waiting();
    win.open = false;
    // The semaphore's count of held permits lies between what the workers that returned
    // from acquire hold and that plus everything in flight (acquires granted but not yet
    // returned, releases called but not yet done).
    require(avail <= p_.size - win.held_lo, at + "available() " + std::to_string(avail) +
                                                " exceeds size - held " +
                                                std::to_string(p_.size - win.held_lo));
    require(avail >= p_.size - win.held_hi,
            at + "available() " + std::to_string(avail) + " below what is held or in flight");
    require(waiting <= static_cast<std::size_t>(win.acquirers_hi),
            at + "waiting() " + std::to_string(waiting) + " exceeds the acquirers");
    weft::fuzz::observe(4, static_cast<std::uint64_t>(avail), waiting);
  }

  void run_worker(int w) {
    const auto& sections = p_.workers[static_cast<std::size_t>(w)];
    for (std::size_t i = 0; i < sections.size(); ++i) {
      run_section(w, static_cast<int>(i), sections[i]);
      quiet_.step();
    }
  }

  void run_section(int w, int idx, const section& s) {
    const std::string at = where(w, idx);
    per_worker& m = workers_[static_cast<std::size_t>(w)];
    const auto t0 = weft::clock::now();
    bool got = false;
    ++in_acquire_;
    acquiring_ += s.n;
    touch();
    switch (s.how) {
      case take::acquire:
        m.wait.begin(idx, 0, 0, false, false);
        sem_.acquire(s.n);
        got = true;
        break;
      case take::acquire_for:
        m.wait.begin(idx, 0, 0, true, false);
        got = sem_.acquire_for(s.n, s.d);
        if (!got) require(since(t0) >= s.d, at + "acquire_for failed before its deadline");
        break;
      case take::acquire_ctx:
        m.wait.begin(idx, 0, 0, false, true);
        got = sem_.acquire(s.n, ctx_);
        if (!got) require(static_cast<bool>(ctx_.err()), at + "acquire(ctx) failed, ctx live");
        break;
      case take::try_acquire:
      case take::count_:
        got = sem_.try_acquire(s.n);
        break;
    }
    m.wait.end();
    quiet_.step();
    acquiring_ -= s.n;
    --in_acquire_;
    touch();
    // (Zero permits are granted in FIFO order like any request, as in Go: they wait behind
    // a blocked head, and try_acquire(0) fails while anyone waits. Nothing to check.)
    weft::fuzz::observe(1, weft::fuzz_targets::op_site(w, idx), got ? 1 : 0,
                        static_cast<std::uint64_t>(held_));
    if (got) {
      held_ += s.n;
      touch();
      require(held_ <= p_.size, at + "over-admitted: " + std::to_string(held_) +
                                    " permits held of " + std::to_string(p_.size));
      switch (s.during) {
        case hold::sleep:
          weft::this_thread::sleep_for(s.d);
          break;
        case hold::snapshot:
          snapshot(w, at);
          break;
        default:
          break;
      }
      if (s.during == hold::split_release && s.n >= 2) {
        release(s.n / 2);
        release(s.n - s.n / 2);
      } else {
        release(s.n);
      }
    }
    switch (s.after) {
      case between::cancel:
        cancel_();
        break;
      case between::snapshot:
        snapshot(w, at);
        break;
      case between::sleep:
        weft::this_thread::sleep_for(s.d);
        break;
      default:
        break;
    }
  }

  void release(std::int64_t n) {
    held_ -= n;
    releasing_ += n;
    touch();
    sem_.release(n);
    releasing_ -= n;
    touch();
  }

  const program& p_;
  weft::fuzz_targets::quiescence quiet_;
  weft::weighted_semaphore sem_;
  weft::context ctx_;
  weft::cancel_func cancel_;
  std::vector<per_worker> workers_;
  std::int64_t held_ = 0;       // by workers between acquire's return and release's call
  std::int64_t acquiring_ = 0;  // requested by workers inside acquire
  std::int64_t releasing_ = 0;  // being released
  int in_acquire_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const program p = decode(in);
  const auto schedule = weft::fuzz::schedule_bytes(in);
  weft::fuzz::run(
      schedule, [&p] { weft::fuzz_targets::run_world<world>(p); },
      weft::fuzz_targets::options("semaphore_fuzzer", p.spurious), [&p] { return p.describe(); });
  return 0;
}
