// check.cpp — weft::model::check: the search loop, its knobs, and the report.
#include <chrono>
#include <cstdlib>
#include <ostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

#include "model/execution.hpp"
#include "model/schedule_token.hpp"
#include "model/strategy.hpp"
#include "weft/model.hpp"

namespace weft::model {

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read-only use
  return v != nullptr && v[0] != '\0' ? v : nullptr;
}

std::uint64_t parse_number(const char* name, const char* text) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 0);
  if (end == text || *end != '\0') {
    throw std::invalid_argument(std::string(name) + "=\"" + text + "\" is not a number");
  }
  return v;
}

weft::model::strategy parse_strategy(const std::string& s) {
  if (s == "random") return strategy::random;
  if (s == "pct") return strategy::pct;
  if (s == "dfs") return strategy::dfs;
  throw std::invalid_argument("unknown weft strategy \"" + s + "\" (expected random, pct or dfs)");
}

struct shard {
  std::uint32_t index = 0;
  std::uint32_t count = 1;
};

// WEFT_TOTAL_SHARDS/WEFT_SHARD_INDEX, else GoogleTest's variables.
shard sharding() {
  const char* total = env("WEFT_TOTAL_SHARDS");
  const char* index = env("WEFT_SHARD_INDEX");
  if (total == nullptr) {
    total = env("GTEST_TOTAL_SHARDS");
    index = env("GTEST_SHARD_INDEX");
  }
  if (total == nullptr) return {};
  shard s;
  s.count = static_cast<std::uint32_t>(parse_number("WEFT_TOTAL_SHARDS", total));
  s.index =
      index != nullptr ? static_cast<std::uint32_t>(parse_number("WEFT_SHARD_INDEX", index)) : 0;
  if (s.count == 0 || s.index >= s.count) throw std::invalid_argument("bad shard index/count");
  return s;
}

options apply_environment(options opts, shard& sh) {
  if (!opts.use_environment) return opts;
  if (const char* v = env("WEFT_SEED")) opts.seed = parse_number("WEFT_SEED", v);
  if (const char* v = env("WEFT_SCHEDULES")) opts.max_schedules = parse_number("WEFT_SCHEDULES", v);
  if (const char* v = env("WEFT_STRATEGY")) opts.strategy = parse_strategy(v);
  if (const char* v = env("WEFT_MAX_STEPS")) opts.max_steps = parse_number("WEFT_MAX_STEPS", v);
  if (const char* v = env("WEFT_REPLAY")) opts.replay = v;
  if (const char* v = env("WEFT_TRACE")) opts.full_trace = std::string(v) == "full";
  sh = sharding();
  return opts;
}

void validate(const options& o) {
  if (o.max_schedules == 0) throw std::invalid_argument("weft::model: max_schedules must be > 0");
  if (o.max_steps == 0) throw std::invalid_argument("weft::model: max_steps must be > 0");
  if (o.pct_depth < 1) throw std::invalid_argument("weft::model: pct_depth must be >= 1");
  if (o.preemption_bound < -1) {
    throw std::invalid_argument("weft::model: preemption_bound must be >= -1");
  }
  if (o.stack_size < std::size_t{16} * 1024) {
    throw std::invalid_argument("weft::model: stack_size must be >= 16 KiB");
  }
  if (o.max_seconds < 0) throw std::invalid_argument("weft::model: max_seconds must be >= 0");
}

std::size_t effective_stack(std::size_t requested) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return requested * 4;  // sanitizer frames are several times larger
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  return requested * 4;
#else
  return requested;
#endif
#else
  return requested;
#endif
}

}  // namespace

std::string_view to_string(failure kind) {
  switch (kind) {
    case failure::none:
      return "none";
    case failure::assertion:
      return "assertion";
    case failure::deadlock:
      return "deadlock";
    case failure::data_race:
      return "data_race";
    case failure::livelock:
      return "livelock";
    case failure::uncaught_exception:
      return "uncaught_exception";
    case failure::leaked_thread:
      return "leaked_thread";
    case failure::nondeterminism:
      return "nondeterminism";
  }
  return "?";
}

std::string_view to_string(weft::model::strategy s) {
  switch (s) {
    case strategy::random:
      return "random";
    case strategy::pct:
      return "pct";
    case strategy::dfs:
      return "dfs";
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
    os << "weft model check passed: " << r.schedules << " schedule(s), strategy " << r.strategy
       << ", seed " << r.seed << (r.exhausted ? ", bounded space exhausted" : "") << "\n";
    return os;
  }
  os << "weft model check FAILED: " << model::to_string(r.kind) << "\n"
     << "  " << r.message << "\n"
     << "  found after " << r.schedules << " schedule(s), strategy " << r.strategy << ", seed "
     << r.seed << "\n"
     << "interleaving of the failing execution:\n"
     << r.trace;
  if (!r.replay.empty()) os << "replay: WEFT_REPLAY=" << r.replay << "\n";
  return os;
}

bool active() noexcept {
  return detail::execution::current() != nullptr;
}

void name(const void* object, std::string_view n) {
  if (auto* ex = detail::execution::current()) ex->set_name(object, std::string(n));
}

namespace {

// Runs executions under `strat` until a failure, the budget, the time limit or the end of
// the strategy; a failing schedule is re-run with tracing for the report.
report search(const options& opts, detail::strategy& strat, std::size_t budget,
              const detail::recorded_schedule* replayed, report rep,
              const std::function<void()>& body) {
  const bool replaying = replayed != nullptr;
  detail::stack_pool stacks(effective_stack(opts.stack_size));
  const detail::execution_limits limits{opts.max_steps, opts.spurious_wakeups, 2, opts.full_trace,
                                        opts.schedule_var_accesses};
  detail::execution ex(stacks, limits);
  const auto start = std::chrono::steady_clock::now();

  while (rep.schedules < budget) {
    if (!strat.begin_execution()) break;
    ++rep.schedules;
    detail::execution_result res = ex.run(body, strat, replaying);
    // A replay is faithful only if it took the recorded path — also when it fails: a
    // different path that happens to fail too would show a trace the token never made.
    if (replaying && res.kind != failure::nondeterminism &&
        (res.sched.steps != replayed->steps || res.sched.hash != replayed->hash)) {
      res.kind = failure::nondeterminism;
      res.message =
          "nondeterministic test: the replayed execution took a different path than the one "
          "recorded in the token (the body depends on something weft does not control, the "
          "code changed since the token was made, or the check runs with other "
          "schedule_var_accesses or spurious_wakeups options than the one that found it)";
      res.trace.clear();
    }
    if (res.kind != failure::none) {
      rep.replay = detail::encode_schedule(res.sched);
      if (!replaying) {
        // Searches record nothing; re-run the failing schedule with tracing for the report.
        auto again = detail::make_replay_strategy(res.sched.decisions);
        again->begin_execution();
        detail::execution_result traced = ex.run(body, *again, true);
        if (traced.kind == res.kind) {
          res.message = std::move(traced.message);
          res.trace = std::move(traced.trace);
        } else {
          res.trace = "  (no trace: re-running the failing schedule ended in " +
                      std::string(to_string(traced.kind)) +
                      " instead; the body depends on something weft does not control)\n";
        }
      }
      rep.kind = res.kind;
      rep.message = std::move(res.message);
      rep.trace = std::move(res.trace);
      return rep;
    }
    if (opts.max_seconds > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >
            opts.max_seconds) {
      break;
    }
  }
  rep.exhausted = strat.exhausted();
  return rep;
}

}  // namespace

// `body` by value: the signature is the public API the model-checking issue fixed.
report check(const options& given,
             std::function<void()> body) {  // NOLINT(performance-unnecessary-value-param)
  if (active()) throw std::logic_error("weft::model::check called inside a model execution");
  if (!body) throw std::invalid_argument("weft::model::check: empty body");
  shard sh;
  const options opts = apply_environment(given, sh);
  validate(opts);

  report rep;
  rep.seed = opts.seed;
  if (rep.seed == 0) {
    std::random_device rd;
    rep.seed = (static_cast<std::uint64_t>(rd()) << 32) | rd();
    if (rep.seed == 0) rep.seed = 1;
  }
  // Each shard explores its own part: its own seed stream, or its own dfs subtrees.
  const std::uint64_t seed = rep.seed + 0x9E3779B97F4A7C15ULL * sh.index;

  std::unique_ptr<detail::strategy> strat;
  detail::recorded_schedule replayed;
  const bool replaying = !opts.replay.empty();
  if (replaying) {
    replayed = detail::decode_schedule(opts.replay);
    strat = detail::make_replay_strategy(replayed.decisions);
    rep.strategy = "replay";
  } else {
    strat = detail::make_strategy(detail::strategy_config{opts.strategy, seed, opts.pct_depth,
                                                          opts.preemption_bound, opts.sleep_sets,
                                                          sh.index, sh.count});
    rep.strategy = std::string(to_string(opts.strategy));
  }

  return search(opts, *strat, replaying ? 1 : opts.max_schedules, replaying ? &replayed : nullptr,
                std::move(rep), body);
}

report run_decisions(const options& given, std::span<const std::uint8_t> decisions,
                     std::function<void()> body) {  // NOLINT(performance-unnecessary-value-param)
  if (active()) {
    throw std::logic_error("weft::model::run_decisions called inside a model execution");
  }
  if (!body) throw std::invalid_argument("weft::model::run_decisions: empty body");
  options opts = given;
  opts.use_environment = false;
  validate(opts);
  report rep;
  rep.strategy = "decisions";
  auto strat = detail::make_byte_strategy(decisions);
  return search(opts, *strat, 1, nullptr, std::move(rep), body);
}

}  // namespace weft::model
