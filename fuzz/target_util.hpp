// target_util.hpp — what weft's own fuzz targets share: quiescence, time checks, and
// the bookkeeping of which logical thread waits in which operation.
//
// The oracle pattern of every target here:
//   1. the body starts the workers, then sleeps on virtual time for 1000 hours
//      (quiescence::settle()). Virtual time only advances when every logical thread is
//      blocked, so the body wakes when the program is quiescent: every worker finished or
//      asleep in an operation with no deadline before then;
//   2. it checks that nobody sleeps who should have been woken: a receiver while a value
//      is buffered, a sender while there is room, a waiter on a done context, ... — a
//      lost wake-up shows up here even though the clean-up below would mask it;
//   3. it closes / cancels / releases whatever lets the remaining workers finish, joins
//      them, and checks the end state (nothing lost, nothing duplicated, counters add up).
//
// Timed waits: a thread waiting with a deadline is not judged at quiescence. When it
// wakes spuriously and re-reads its wake-up flag, the model checker takes it for a
// spinner and lets virtual time jump past its own deadline to the body's, so finding it
// still "asleep" then is no sign of a bug (and its timeout is real-world legal: a thread
// may be descheduled for as long as it likes). Untimed waits are judged: a waiter that
// should have been woken was notified, which is a write, which no spinner survives.
//
// Bookkeeping is plain (non-facade) data: every logical thread runs on the one OS thread
// of the execution and switches only at facade operations, so the oracle sees a
// sequentially consistent picture and adds no scheduling points of its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "weft/fuzz.hpp"
#include "weft/sync.hpp"

namespace weft::fuzz_targets {

// Long enough for every deadline a target uses (they are all below a few seconds).
inline constexpr std::chrono::hours kSettle{1000};

// Quiescence detection (see above). Workers call step() at every operation boundary;
// the body calls settle(), which returns once every other logical thread is finished or
// blocked for good.
//
// One sleep is not enough: the model checker takes a thread that re-reads an atomic
// nobody wrote since its last read (same object, same source line) for a spinner and
// lets virtual time jump past it — also when that thread merely calls the same function
// twice (e.g. two context operations, each reading err()). So settle() writes an atomic
// (which makes such threads runnable again) and sleeps, until two rounds in a row saw
// no worker make progress.
class quiescence {
 public:
  void step() noexcept { ++progress_; }

  void settle() {
    int quiet_rounds = 0;
    while (quiet_rounds < 2) {
      const std::uint64_t seen = progress_;
      kick_.fetch_add(1);
      weft::this_thread::sleep_for(kSettle);
      quiet_rounds = progress_ == seen ? quiet_rounds + 1 : 0;
    }
  }

 private:
  std::uint64_t progress_ = 0;
  weft::atomic<std::uint64_t> kick_{0};
};

// What one worker is blocked in, as far as the quiescence check cares. Set just before
// a possibly blocking operation, cleared just after.
struct waiting {
  bool active = false;
  bool timed = false;       // the operation has a deadline (it must have passed)
  bool on_context = false;  // the operation also ends when the context is done
  std::uint8_t recv = 0;    // bit i: receiving from channel i
  std::uint8_t send = 0;    // bit i: sending on channel i
  int op = -1;              // the worker's operation index
  int object = -1;          // what it waits on, in the target's own numbering

  void begin(int op_index, std::uint8_t recv_mask, std::uint8_t send_mask, bool has_deadline,
             bool ctx, int what = -1) {
    *this = waiting{true, has_deadline, ctx, recv_mask, send_mask, op_index, what};
  }
  void end() { *this = waiting{}; }
};

// Builds a World from the program and runs it, as the body of a fuzzed execution.
//
// Why not simply `World(p).run()`: when a check fails in the body's thread, that thread
// unwinds while the model checker lets the other threads wind down — and they still use
// the world. So a world whose execution failed is never destroyed (the process aborts
// right after the report anyway); a world whose execution passed is destroyed inside
// the execution, where its facade objects belong.
template <class World, class Program>
void run_world(const Program& p) {
  static std::vector<std::unique_ptr<World>> failed;  // kept alive until the abort
  failed.push_back(std::make_unique<World>(p));
  failed.back()->run();
  failed.pop_back();
}

// An enumerator drawn from the input: one of E's values 0 .. E::count_ - 1, or 0 .. last.
// (The draw is ConsumeIntegralInRange<int>, so corpora keep decoding the same way.)
template <class E>
E pick(FuzzedDataProvider& in, E last) {
  return static_cast<E>(in.ConsumeIntegralInRange<int>(0, static_cast<int>(last)));
}
template <class E>
E pick(FuzzedDataProvider& in) {
  return pick(in, static_cast<E>(static_cast<int>(E::count_) - 1));
}

// Whether a program runs with spurious wake-ups (one input in four). Decoded first.
// With them, quiescence is not judged at all: a waiter that wakes spuriously and re-reads
// its flag looks like a spinner (see quiescence), and it may do so while holding the mutex
// its waker needs — so "asleep" would be a guess. The end-state checks still apply, and
// the wait loops' spurious paths still get fuzzed.
inline bool decode_spurious(FuzzedDataProvider& in) {
  return in.ConsumeIntegralInRange<int>(0, 3) == 0;
}

inline weft::model::options options(const char* name, bool spurious) {
  weft::model::options o = weft::fuzz::default_options(name);
  o.spurious_wakeups = spurious;
  return o;
}

// Virtual time since t0 (weft::clock is virtual in model mode).
inline weft::clock::duration since(weft::clock::time_point t0) {
  return weft::clock::now() - t0;
}

inline std::string where(int worker, int op) {
  return "worker " + std::to_string(worker) + " op " + std::to_string(op) + ": ";
}

// The observe() key of a worker's op-th operation (the targets give a worker at most 8).
inline std::uint64_t op_site(int worker, int op) {
  return static_cast<std::uint64_t>(worker) * 8 + static_cast<std::uint64_t>(op);
}

}  // namespace weft::fuzz_targets
