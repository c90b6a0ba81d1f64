// run.cpp — weft::stress::run: rounds, budgets, the watchdog and the report.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "stress/stress_runtime.hpp"
#include "weft/model.hpp"
#include "weft/stress.hpp"

namespace weft::stress {

namespace {

using clock_type = std::chrono::steady_clock;

const char* env(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read-only use
  return v != nullptr && v[0] != '\0' ? v : nullptr;
}

double parse(const char* name, const char* text) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || v < 0) {
    throw std::invalid_argument(std::string(name) + "=\"" + text +
                                "\" is not a non-negative number");
  }
  return v;
}

options apply_environment(options o) {
  if (!o.use_environment) return o;
  if (const char* v = env("WEFT_SEED")) {
    o.seed = static_cast<std::uint64_t>(std::strtoull(v, nullptr, 0));
  }
  if (const char* v = env("WEFT_STRESS_ITERATIONS")) {
    o.iterations = static_cast<std::size_t>(parse("WEFT_STRESS_ITERATIONS", v));
  }
  if (const char* v = env("WEFT_STRESS_SECONDS")) o.max_seconds = parse("WEFT_STRESS_SECONDS", v);
  return o;
}

void validate(const options& o) {
  const auto& d = o.delays;
  if (o.iterations == 0 && o.max_seconds <= 0) {
    throw std::invalid_argument("weft::stress: set iterations > 0 or max_seconds > 0");
  }
  if (d.probability < 0 || d.probability > 1) {
    throw std::invalid_argument("weft::stress: delays.probability must be in [0, 1]");
  }
  if (d.yield_weight < 0 || d.spin_weight < 0 || d.sleep_weight < 0 ||
      d.yield_weight + d.spin_weight + d.sleep_weight <= 0) {
    throw std::invalid_argument("weft::stress: delay weights must be >= 0 with a positive sum");
  }
  if (o.hang_seconds <= 0) throw std::invalid_argument("weft::stress: hang_seconds must be > 0");
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

std::string exception_text(std::exception_ptr e) {
  try {
    std::rethrow_exception(std::move(e));
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

// Watches the rounds; gives up on one that runs too long.
class watchdog {
 public:
  watchdog(detail::stress_runtime& rt, double hang_seconds)
      : rt_(rt),
        limit_(std::chrono::duration_cast<clock_type::duration>(
            std::chrono::duration<double>(hang_seconds))),
        thread_([this] { loop(); }) {}
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;
  ~watchdog() {
    {
      std::lock_guard<std::mutex> g(m_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void round_started(std::size_t round) {
    std::lock_guard<std::mutex> g(m_);
    round_ = round;
    start_ = clock_type::now();
    running_ = true;
  }
  void round_ended() {
    std::lock_guard<std::mutex> g(m_);
    running_ = false;
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lk(m_);
    bool reported = false;
    while (!stop_) {
      cv_.wait_for(lk, std::chrono::milliseconds(20));
      if (!running_) {
        reported = false;
        continue;
      }
      const auto elapsed = clock_type::now() - start_;
      if (!reported && elapsed > limit_) {
        reported = true;
        std::ostringstream msg;
        msg << "hang: round " << round_ << " ran for more than "
            << std::chrono::duration<double>(limit_).count()
            << " s; the threads and the facade operation each was in:" << rt_.describe_threads();
        rt_.fail(failure::hang, msg.str());
      } else if (reported && elapsed > limit_ + std::chrono::seconds(10)) {
        // Blocked outside the facade (or spinning without facade operations): nothing
        // can unwind it. Say what we know and stop the process rather than hang CI.
        std::fprintf(stderr, "weft::stress: %s\nthe round could not be unwound; aborting\n",
                     rt_.failure_message().c_str());
        std::abort();
      }
    }
  }

  detail::stress_runtime& rt_;
  const clock_type::duration limit_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool running_ = false;
  std::size_t round_ = 0;
  clock_type::time_point start_;
  std::thread thread_;
};

// Threads that compete for the cores, so the scheduler preempts the test's threads.
class noise {
 public:
  explicit noise(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      threads_.emplace_back([this, i] {
        std::uint64_t x = i + 1;
        while (!stop_.load(std::memory_order_relaxed)) {
          for (int k = 0; k < 1000; ++k) {
            x = x * 6364136223846793005ULL + 1;
          }
          if ((x >> 60) == 0) std::this_thread::yield();
        }
        sink_.fetch_add(x, std::memory_order_relaxed);
      });
    }
  }
  noise(const noise&) = delete;
  noise& operator=(const noise&) = delete;
  ~noise() {
    stop_.store(true);
    for (auto& t : threads_) {
      t.join();
    }
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> sink_{0};
  std::vector<std::thread> threads_;
};

}  // namespace

std::string_view to_string(failure kind) {
  switch (kind) {
    case failure::none:
      return "none";
    case failure::assertion:
      return "assertion";
    case failure::uncaught_exception:
      return "uncaught_exception";
    case failure::leaked_thread:
      return "leaked_thread";
    case failure::hang:
      return "hang";
  }
  return "?";
}

std::string report::to_string() const {
  std::ostringstream os;
  os << *this;
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const report& r) {
  if (r.ok()) {
    os << "weft stress run passed: " << r.iterations << " round(s) in " << r.seconds << " s ("
       << r.iterations_per_second << " rounds/s; round p50 " << r.p50_us << " us, p99 " << r.p99_us
       << " us, max " << r.max_us << " us), " << r.sync_operations << " sync operations, "
       << r.delays_injected << " delays injected, seed " << r.seed << "\n";
    return os;
  }
  os << "weft stress run FAILED: " << stress::to_string(r.kind) << "\n"
     << "  " << r.message << "\n"
     << "  in round " << r.failing_iteration << " of " << r.iterations << ", seed " << r.seed
     << "\n"
     << "re-run with the same delay decisions: WEFT_SEED=" << r.seed
     << " (stress runs are not exactly reproducible; the model checker is)\n";
  return os;
}

bool active() noexcept {
  return dynamic_cast<detail::stress_runtime*>(weft::detail::active_runtime()) != nullptr;
}

void fail(std::string_view message, source_loc loc) {
  auto* rt = dynamic_cast<detail::stress_runtime*>(weft::detail::active_runtime());
  if (rt == nullptr) throw std::logic_error("weft::stress::fail called outside a stress run");
  rt->report_failure(std::string(message).c_str(), loc, /*fatal=*/false);
}

report run(const options& given, const std::function<void()>& body) {
  if (weft::detail::active_runtime() != nullptr) {
    throw std::logic_error("weft::stress::run called inside a model execution or stress run");
  }
  if (!body) throw std::invalid_argument("weft::stress::run: empty body");
  options opts = apply_environment(given);
  validate(opts);
  if (opts.seed == 0) {
    std::random_device rd;
    opts.seed = (static_cast<std::uint64_t>(rd()) << 32) | rd();
    if (opts.seed == 0) opts.seed = 1;
  }

  report rep;
  rep.seed = opts.seed;
  detail::stress_runtime rt(opts);
  std::vector<double> durations;
  const std::size_t rounds = opts.iterations == 0 ? static_cast<std::size_t>(-1) : opts.iterations;
  durations.reserve(std::min<std::size_t>(rounds, 1 << 20));
  const auto start = clock_type::now();
  {
    noise competing(opts.noise_threads);
    watchdog dog(rt, opts.hang_seconds);
    weft::detail::runtime_scope scope(&rt);
    rt.enter_thread(0, nullptr);
    for (std::size_t i = 0; i < rounds; ++i) {
      if (opts.max_seconds > 0 &&
          std::chrono::duration<double>(clock_type::now() - start).count() >= opts.max_seconds) {
        break;
      }
      rt.begin_round(i);
      dog.round_started(i);
      const auto t0 = clock_type::now();
      try {
        body();
      } catch (const detail::aborted&) {
      } catch (...) {
        rt.fail(failure::uncaught_exception, "the body ended with an uncaught exception: " +
                                                 exception_text(std::current_exception()));
      }
      dog.round_ended();
      durations.push_back(
          std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
      ++rep.iterations;
      if (rt.failure_kind() != failure::none) {
        rep.failing_iteration = i;
        break;
      }
    }
    rt.leave_thread();
  }
  rep.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  rep.iterations_per_second =
      rep.seconds > 0 ? static_cast<double>(rep.iterations) / rep.seconds : 0;
  rep.kind = rt.failure_kind();
  rep.message = rt.failure_message();
  rep.sync_operations = rt.sync_operations();
  rep.delays_injected = rt.delays();
  rep.p50_us = percentile(durations, 0.50);
  rep.p90_us = percentile(durations, 0.90);
  rep.p99_us = percentile(durations, 0.99);
  rep.max_us = durations.empty() ? 0 : *std::max_element(durations.begin(), durations.end());
  return rep;
}

}  // namespace weft::stress
