// pools_limits — structured concurrency and limits (docs/primitives.md, "Errgroup",
// "Weighted semaphore", "Rate limiter"):
//   1. errgroup: fan out with a limit, the first failure cancels the rest, wait()
//      rethrows it once every subtask has ended;
//   2. weighted_semaphore: a memory budget shared by requests of different sizes, FIFO;
//   3. rate_limiter: a crawler allowed 5 requests per second with bursts of 2, on virtual
//      time — exact, and instant;
//   4. the crawler under the model checker: whatever the interleaving, never more than
//      burst + rate x elapsed requests.
// It prints what it did and exits non-zero if anything is wrong.
#include <weft/weft.hpp>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

bool check(bool ok, const char* what) {
  std::printf("  %-62s %s\n", what, ok ? "ok" : "WRONG");
  return ok;
}

bool errgroup_fan_out() {
  std::puts("errgroup:");
  weft::errgroup g;
  g.set_limit(3);  // at most 3 fetches at once
  weft::atomic<int> fetched{0}, stopped_early{0};
  for (int page = 0; page < 8; ++page) {
    g.go([&, page](const weft::context& ctx) {
      if (page == 5) throw std::runtime_error("page 5: HTTP 500");
      if (ctx.err()) {  // another page failed: do not bother
        stopped_early.fetch_add(1);
        return;
      }
      fetched.fetch_add(1);
    });
  }
  bool ok = true;
  try {
    (void)g.wait();
    ok &= check(false, "wait() rethrows the first failure");
  } catch (const std::runtime_error& e) {
    ok &= check(std::string(e.what()) == "page 5: HTTP 500", "wait() rethrows the first failure");
  }
  ok &= check(fetched.load() + stopped_early.load() == 7, "...after every other page ended");
  ok &= check(static_cast<bool>(g.context().err()), "the group's context is cancelled");
  std::printf("  %d fetched, %d skipped after the failure\n", fetched.load(), stopped_early.load());
  return ok;
}

bool memory_budget() {
  std::puts("weighted semaphore:");
  weft::weighted_semaphore budget_mb(64);
  weft::atomic<int> peak{0}, in_use{0};
  std::vector<weft::thread> requests;
  for (int mb : {40, 8, 30, 16, 64, 2}) {
    requests.emplace_back([&, mb] {
      budget_mb.acquire(mb);  // a large request is not starved by later small ones
      const int now = in_use.fetch_add(mb) + mb;
      int p = peak.load();
      while (now > p && !peak.compare_exchange_weak(p, now)) {
      }
      in_use.fetch_sub(mb);
      budget_mb.release(mb);
    });
  }
  for (auto& t : requests) {
    t.join();
  }
  bool ok = check(peak.load() <= 64, "never more than the 64 MB budget in use");
  ok &= check(budget_mb.available() == 64, "every megabyte came back");
  try {
    budget_mb.release(1);
    ok &= check(false, "releasing more than held is an error");
  } catch (const weft::semaphore_misuse&) {
    ok &= check(true, "releasing more than held is an error");
  }
  return ok;
}

// The crawler: `pages` requests through the limiter, recording when each went out.
void crawl(weft::rate_limiter& limiter, int pages, std::vector<weft::clock::duration>& sent,
           weft::mutex& m, weft::clock::time_point t0) {
  for (int i = 0; i < pages; ++i) {
    if (!limiter.wait(weft::background())) return;
    std::lock_guard<weft::mutex> g(m);
    sent.push_back(weft::clock::now() - t0);
  }
}

bool rate_limited_crawler() {
  std::puts("rate limiter (virtual time):");
  weft::model::options once;
  once.max_schedules = 1;
  once.use_environment = false;
  bool ok = true;
  const auto r = weft::model::check(once, [&ok] {
    weft::rate_limiter limiter(5.0, 2);  // 5 per second, bursts of 2
    weft::mutex m;
    std::vector<weft::clock::duration> sent;
    crawl(limiter, 6, sent, m, weft::clock::now());
    const std::vector<weft::clock::duration> expected{0ms, 0ms, 200ms, 400ms, 600ms, 800ms};
    ok &= check(sent == expected, "a burst of 2, then one every 200 ms, exactly");
    ok &= check(!limiter.allow(), "allow() does not wait: no token now");
    auto res = limiter.reserve();
    ok &= check(res.delay() == 200ms, "reserve() says how long until the next token");
    res.cancel();
    ok &= check(limiter.tokens() == 0.0, "cancel() gives the reserved token back");
  });
  return ok && check(r.ok(), "(run under the model checker)");
}

bool model_checked_crawlers() {
  std::puts("model check (two crawlers sharing one limiter):");
  weft::model::options opts;
  opts.strategy = weft::model::strategy::pct;
  opts.max_schedules = 2000;
  opts.use_environment = false;
  const auto r = weft::model::check(opts, [] {
    weft::rate_limiter limiter(5.0, 2);
    weft::mutex m;
    std::vector<weft::clock::duration> sent;
    const auto t0 = weft::clock::now();
    weft::thread other([&] { crawl(limiter, 3, sent, m, t0); });
    crawl(limiter, 3, sent, m, t0);
    other.join();
    for (std::size_t i = 0; i < sent.size(); ++i) {
      // the (i+1)-th request at time t needs i + 1 <= burst + t / interval
      WEFT_ASSERT(static_cast<long>(i + 1) <= 2 + sent[i] / 200ms);
    }
  });
  std::printf("  %zu schedules\n", r.schedules);
  return check(r.ok(), "never more than burst + rate x elapsed");
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  bool ok = errgroup_fan_out();
  ok &= memory_budget();
  ok &= rate_limited_crawler();
  ok &= model_checked_crawlers();
  std::puts(ok ? "all ok" : "SOMETHING IS WRONG");
  return ok ? 0 : 1;
}
