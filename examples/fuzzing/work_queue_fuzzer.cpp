// work_queue_fuzzer.cpp — the template for fuzzing your own concurrent component with weft
// (docs/fuzzing.md, "Fuzzing your own component"). Copy it, replace work_queue with your
// component, and keep the three steps:
//
//   1. decode a small program from the input with FuzzedDataProvider (integers come from
//      the END of the input): how many threads, what each one does, with which arguments;
//   2. take the rest of the input as the schedule (weft::fuzz::schedule_bytes);
//   3. run the program once with weft::fuzz::run(schedule, body): each byte decides which
//      thread runs next. Inside the body, WEFT_ASSERT (or weft::fuzz::require) what must
//      hold; the model checker adds deadlocks, livelocks, data races on weft::var and
//      uncaught exceptions. A failure prints the program, the interleaving and a replay
//      token, and aborts — libFuzzer keeps the input as crash-<sha1>.
//
// Make the program terminate by construction when the component is correct (here: the
// consumers pop exactly as many items as the producers push), so that a thread left
// waiting is a deadlock report rather than a hang.
//
// This file is built four times (WEFT_EXAMPLE_BUG): against the correct queue, and
// against each of its three planted bugs (work_queue.hpp); docs/fuzzing.md has how long
// the fuzzer takes to find each.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "weft/fuzz.hpp"
#include "weft/sync.hpp"
#include "work_queue.hpp"

#ifndef WEFT_EXAMPLE_BUG
#define WEFT_EXAMPLE_BUG none
#endif

namespace {

using queue = weft_examples::work_queue<int, weft_examples::bug::WEFT_EXAMPLE_BUG>;

// Step 1: the program. Small on purpose: most concurrency bugs need two or three threads
// and a handful of operations (and small programs keep each execution fast).
struct program {
  std::size_t capacity = 1;
  std::vector<int> pushes;  // per producer: how many items it pushes
  std::vector<int> pops;    // per consumer: how many items it pops (sums match)

  std::string describe() const {
    std::ostringstream os;
    os << "  work_queue(" << capacity << "); producers push";
    for (int n : pushes) {
      os << " " << n;
    }
    os << "; consumers pop";
    for (int n : pops) {
      os << " " << n;
    }
    return os.str();
  }
};

program decode(FuzzedDataProvider& in) {
  program p;
  p.capacity = in.ConsumeIntegralInRange<std::size_t>(1, 3);
  const int producers = in.ConsumeIntegralInRange<int>(1, 3);
  int total = 0;
  for (int i = 0; i < producers; ++i) {
    p.pushes.push_back(in.ConsumeIntegralInRange<int>(1, 3));
    total += p.pushes.back();
  }
  // Split the items among 1..3 consumers (every consumer pops at least one).
  const int consumers = in.ConsumeIntegralInRange<int>(1, std::min(3, total));
  for (int i = 0; i < consumers; ++i) {
    const int left_for_others = consumers - i - 1;
    const int n =
        i + 1 == consumers ? total : in.ConsumeIntegralInRange<int>(1, total - left_for_others);
    p.pops.push_back(n);
    total -= n;
  }
  return p;
}

// Step 3: the body — builds everything it uses (it runs again to record the trace of a
// failure), starts the threads, joins them, checks the outcome.
void run(const program& p) {
  queue q(p.capacity);
  std::vector<std::vector<int>> popped(p.pops.size());
  std::vector<weft::thread> threads;
  for (std::size_t c = 0; c < p.pops.size(); ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < p.pops[c]; ++i) {
        const int v = q.pop();
        popped[c].push_back(v);
        // Interleaving signal (reads-from): which producer's item this consumer got.
        weft::fuzz::observe(1, c, static_cast<std::uint64_t>(v / 100));
      }
    });
  }
  for (std::size_t pr = 0; pr < p.pushes.size(); ++pr) {
    threads.emplace_back([&, pr] {
      for (int i = 0; i < p.pushes[pr]; ++i) {
        q.push(static_cast<int>(pr) * 100 + i);  // unique, increasing per producer
        const std::size_t size = q.size();
        weft::fuzz::observe(2, pr, size);   // what this producer saw right after its push
        WEFT_ASSERT(size <= q.capacity());  // never over capacity
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  // Every item popped exactly once, and FIFO per producer as each consumer saw it.
  std::vector<int> all;
  for (const auto& got : popped) {
    int last[3] = {-1, -1, -1};
    for (int v : got) {
      WEFT_ASSERT(v > last[v / 100]);
      last[v / 100] = v;
      all.push_back(v);
    }
  }
  std::sort(all.begin(), all.end());
  std::vector<int> expected;
  for (std::size_t pr = 0; pr < p.pushes.size(); ++pr) {
    for (int i = 0; i < p.pushes[pr]; ++i) {
      expected.push_back(static_cast<int>(pr) * 100 + i);
    }
  }
  WEFT_ASSERT(all == expected);
  WEFT_ASSERT(q.size() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const program p = decode(in);                          // step 1
  const auto schedule = weft::fuzz::schedule_bytes(in);  // step 2
  weft::fuzz::run(
      schedule, [&p] { run(p); },  // step 3
      weft::fuzz::default_options("work_queue_fuzzer"), [&p] { return p.describe(); });
  return 0;
}
