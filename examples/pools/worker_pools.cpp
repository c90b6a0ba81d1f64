// pools_worker_pools — weft::worker_pool as a user would use it (docs/primitives.md,
// "Worker pools"):
//   1. bulkheads: two named pools, one per dependency, each with its own back-pressure;
//   2. results and failures through task_handle;
//   3. graceful shutdown() versus shutdown_now();
//   4. the same pool under the model checker: a submit racing a shutdown, every
//      interleaving — the task either runs exactly once or is refused, never both.
// It prints what it did and exits non-zero if anything is wrong.
#include <weft/weft.hpp>
#include <weft/worker_pool.hpp>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

bool check(bool ok, const char* what) {
  std::printf("  %-58s %s\n", what, ok ? "ok" : "WRONG");
  return ok;
}

// 1 + 2: a "search" bulkhead that sheds load (reject) and a "thumbnails" bulkhead that
// slows its callers down instead (caller_runs). A slow dependency fills its own queue.
bool bulkheads() {
  std::puts("bulkheads:");
  weft::worker_pool search({.name = "search",
                            .min_workers = 2,
                            .max_workers = 4,
                            .queue_capacity = 8,
                            .overflow = weft::overflow_policy::reject});
  weft::worker_pool thumbs({.name = "thumbnails",
                            .min_workers = 1,
                            .max_workers = 1,
                            .queue_capacity = 2,
                            .overflow = weft::overflow_policy::caller_runs});

  weft::task_handle<int> hits = search.submit([] { return 42; });
  weft::task_handle<int> bad =
      search.submit([]() -> int { throw std::runtime_error("index down"); });
  std::vector<weft::task_handle<std::string>> renders;
  renders.reserve(6);
  for (int i = 0; i < 6; ++i) {  // more than fits: some run on this thread
    renders.push_back(thumbs.submit([i] { return "thumb-" + std::to_string(i); }));
  }

  bool ok = check(hits.get() == 42, "search result");
  try {
    (void)bad.get();
    ok = check(false, "a failing task's exception reaches its handle");
  } catch (const std::runtime_error& e) {
    ok &= check(std::string(e.what()) == "index down",
                "a failing task's exception reaches its handle");
  }
  bool all_rendered = true;
  for (int i = 0; i < 6; ++i) {
    all_rendered &= renders[static_cast<std::size_t>(i)].get() == "thumb-" + std::to_string(i);
  }
  ok &= check(all_rendered, "caller_runs: every thumbnail rendered, none lost");
  const auto s = search.stats();
  ok &= check(s.completed == 2 && s.failed == 1 && s.workers >= 2, "search stats");
  std::printf("  %s: %llu completed, %llu failed; %s: %llu run by the caller\n",
              search.name().c_str(), static_cast<unsigned long long>(s.completed),
              static_cast<unsigned long long>(s.failed), thumbs.name().c_str(),
              static_cast<unsigned long long>(thumbs.stats().ran_on_caller));
  return ok;
}

// 3: shutdown() runs what is queued; shutdown_now() hands it back.
bool shutdowns() {
  std::puts("shutdown:");
  weft::atomic<int> ran{0};
  bool ok = true;
  {
    weft::worker_pool pool(1);
    for (int i = 0; i < 5; ++i) {
      (void)pool.submit([&] { ran.fetch_add(1); });
    }
    pool.shutdown();
    ok &= check(ran.load() == 5, "shutdown() drains the queue");
    try {
      (void)pool.submit([] {});
      ok &= check(false, "a shut-down pool refuses new tasks");
    } catch (const weft::task_rejected& e) {
      ok &=
          check(e.reason() == weft::reject_reason::shut_down, "a shut-down pool refuses new tasks");
    }
  }
  {
    weft::worker_pool pool(1);
    weft::weighted_semaphore started(1), gate(1);
    started.acquire(1);
    gate.acquire(1);
    (void)pool.submit([&] {  // keeps the only worker busy until the gate opens
      started.release(1);
      gate.acquire(1);
      gate.release(1);
    });
    started.acquire(1);  // the worker has taken it: what follows stays queued
    std::vector<weft::task_handle<int>> queued;
    queued.reserve(3);
    for (int i = 0; i < 3; ++i) {
      queued.push_back(pool.submit([i] { return i; }));
    }
    weft::thread opener([&] {
      pool.context().wait();  // shutdown_now() cancels the pool's context first
      gate.release(1);
    });
    std::vector<weft::pending_task> unstarted = pool.shutdown_now();
    opener.join();
    ok &= check(unstarted.size() == 3, "shutdown_now() returns the 3 unstarted tasks");
    unstarted[0]();     // run one of them here
    unstarted.clear();  // drop the others: their handles report task_cancelled
    ok &= check(queued[0].get() == 0, "a returned task run by the caller");
    try {
      (void)queued[1].get();
      ok &= check(false, "a dropped task's handle reports task_cancelled");
    } catch (const weft::task_cancelled&) {
      ok &= check(true, "a dropped task's handle reports task_cancelled");
    }
  }
  return ok;
}

// 4: a component's own rule, checked on every interleaving of a submit and a shutdown.
bool model_checked() {
  std::puts("model check (submit racing shutdown):");
  weft::model::options opts;
  opts.strategy = weft::model::strategy::dfs;
  opts.max_schedules = 5000;
  opts.use_environment = false;
  const weft::model::report r = weft::model::check(opts, [] {
    weft::atomic<int> runs{0};
    weft::atomic<bool> accepted{false};
    weft::worker_pool pool(1);
    weft::thread client([&] {
      try {
        (void)pool.submit([&] { runs.fetch_add(1); });
        accepted.store(true);
      } catch (const weft::task_rejected&) {
      }
    });
    pool.shutdown();
    client.join();
    pool.shutdown();  // the task may have been accepted after the first call began
    WEFT_ASSERT(runs.load() == (accepted.load() ? 1 : 0));
  });
  std::printf("  %zu schedules%s\n", r.schedules, r.exhausted ? " (all of them)" : "");
  return check(r.ok(), "accepted means run exactly once; refused means never");
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  try {
    bool ok = bulkheads();
    ok &= shutdowns();
    ok &= model_checked();
    std::puts(ok ? "all ok" : "SOMETHING IS WRONG");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::printf("unexpected exception: %s\n", e.what());
    return 1;
  }
}
