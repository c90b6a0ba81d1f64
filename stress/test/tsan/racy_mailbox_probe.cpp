// racy_mailbox_probe.cpp — weft_racy_mailbox_probe: a one-slot mailbox (the heart of a
// buffered channel of capacity 1) run under weft::stress, in a racy and a fixed version.
//
//   weft_racy_mailbox_probe racy    the producer publishes the slot with a relaxed store
//                                   and the consumer reads it with a relaxed load: the
//                                   payload's write and read are not ordered — a data
//                                   race that ThreadSanitizer must report
//   weft_racy_mailbox_probe fixed   release/acquire: no race, no report
//
// Exit status: 0 when the stress run passed, 1 when it failed, 2 on bad usage; under
// TSan with halt_on_error=1 the first report ends the process with TSan's exitcode.
// Only built in the tsan preset; race_report_stress_test.cpp runs it.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>

#include "weft/stress.hpp"
#include "weft/sync.hpp"

namespace {

template <bool Racy>
class mailbox {
 public:
  bool try_put(int v) {
    if (full_.load(std::memory_order_acquire)) return false;
    payload_ = v;
    // BUG (racy): relaxed publication: the payload write does not happen-before the
    // consumer's read.
    full_.store(true, Racy ? std::memory_order_relaxed : std::memory_order_release);
    return true;
  }

  bool try_take(int& out) {
    if (!full_.load(Racy ? std::memory_order_relaxed : std::memory_order_acquire)) return false;
    out = payload_;
    full_.store(false, std::memory_order_release);
    return true;
  }

 private:
  weft::atomic<bool> full_{false};
  int payload_ = 0;  // plain data: ordered only through full_
};

template <bool Racy>
weft::stress::report run_probe() {
  weft::stress::options o;
  o.name = Racy ? "racy mailbox" : "fixed mailbox";
  o.iterations = 200;
  o.seed = 7;
  o.use_environment = false;
  return weft::stress::run(o, [] {
    constexpr int kItems = 50;
    // On the heap, where shared state lives in real components. (With the mailbox on
    // this thread's stack, clang 14 at -O1 optimised the racy accesses so that TSan did
    // not see the race; a racy program is undefined behaviour, after all.)
    const auto box = std::make_unique<mailbox<Racy>>();
    weft::thread producer([&box] {
      for (int i = 1; i <= kItems; ++i) {
        while (!box->try_put(i))
          weft::this_thread::yield();
      }
    });
    int sum = 0;
    for (int i = 1; i <= kItems; ++i) {
      int v = 0;
      while (!box->try_take(v))
        weft::this_thread::yield();
      sum += v;
    }
    producer.join();
    WEFT_ASSERT(sum == kItems * (kItems + 1) / 2);
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || (std::strcmp(argv[1], "racy") != 0 && std::strcmp(argv[1], "fixed") != 0)) {
    std::fprintf(stderr, "usage: %s racy|fixed\n", argv[0]);
    return 2;
  }
  const bool racy = std::strcmp(argv[1], "racy") == 0;
  const weft::stress::report r = racy ? run_probe<true>() : run_probe<false>();
  std::cout << r;
  return r.ok() ? 0 : 1;
}
