// executor.cpp — model and stress executors: run a scenario under an engine and report the
// failing run through the engine's failure hook.
#include "weft/prop/executor.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "weft/sync/runtime.hpp"

namespace weft::prop {

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read-only use
  return v != nullptr && v[0] != '\0' ? v : nullptr;
}

// Fails the current run of the active engine with `message`. Non-fatal: the engine marks
// the run failed and stops the other threads; the run body then returns normally.
void fail_run(const std::string& message) {
  auto* rt = weft::detail::active_runtime();
  if (rt == nullptr) throw std::logic_error("weft::prop: a run failed outside any engine");
  rt->report_failure(message.c_str(), weft::source_loc{}, false);
}

}  // namespace

model_executor::model_executor() : mixed_(true) {
  opts_.strategy = weft::model::strategy::pct;
  opts_.pct_depth = 3;
  opts_.max_schedules = 100;
  opts_.seed = 0x5EED;
}

model_executor::model_executor(weft::model::options opts) : opts_(std::move(opts)) {}

engine_outcome model_executor::run(const run_once& once, const run_settings& settings) const {
  weft::model::options o = opts_;
  o.use_environment = false;  // the property runner owns the knobs (WEFT_SCHEDULES is per scenario)
  if (settings.runs != 0) o.max_schedules = settings.runs;
  if (settings.seed != 0) o.seed = settings.seed;
  if (o.seed == 0) o.seed = 0x5EED;  // never random: shrinking needs stable verdicts
  if (!settings.name.empty()) o.name = settings.name;
  bool mixed = mixed_;
  if (settings.use_environment && env("WEFT_STRATEGY") != nullptr) mixed = false;
  if (settings.use_environment) {
    if (const char* v = env("WEFT_STRATEGY")) {
      const std::string s = v;
      if (s == "random") {
        o.strategy = weft::model::strategy::random;
      } else if (s == "pct") {
        o.strategy = weft::model::strategy::pct;
      } else if (s == "dfs") {
        o.strategy = weft::model::strategy::dfs;
      } else {
        throw std::invalid_argument("WEFT_STRATEGY=\"" + s + "\": expected random, pct or dfs");
      }
    }
    if (const char* v = env("WEFT_REPLAY")) o.replay = v;
    if (const char* v = env("WEFT_TRACE")) o.full_trace = std::string(v) == "full";
  }
  bool violated = false;
  auto body = [&] {
    violated = false;
    if (auto reason = once()) {
      violated = true;
      fail_run(*reason);
    }
  };
  weft::model::report rep;
  std::size_t runs = 0;
  if (mixed && o.replay.empty() && o.max_schedules > 1) {
    // First half PCT, then random (each its own search; the seed is shared).
    weft::model::options first = o;
    first.strategy = weft::model::strategy::pct;
    first.max_schedules = o.max_schedules / 2;
    rep = weft::model::check(first, body);
    runs = rep.schedules;
    if (rep.ok()) {
      weft::model::options second = o;
      second.strategy = weft::model::strategy::random;
      second.max_schedules = o.max_schedules - first.max_schedules;
      rep = weft::model::check(second, body);
      runs += rep.schedules;
    }
  } else {
    rep = weft::model::check(o, body);
    runs = rep.schedules;
  }
  engine_outcome out;
  out.runs = runs;
  out.seed = rep.seed;
  if (rep.ok()) return out;
  out.failed = true;
  out.violation = violated && rep.kind == weft::model::failure::assertion;
  out.kind = std::string(weft::model::to_string(rep.kind));
  out.message = rep.message;
  out.report = rep.to_string();
  out.replay = rep.replay;
  return out;
}

stress_executor::stress_executor() {
  opts_.iterations = 100;
}

stress_executor::stress_executor(weft::stress::options opts) : opts_(std::move(opts)) {}

engine_outcome stress_executor::run(const run_once& once, const run_settings& settings) const {
  weft::stress::options o = opts_;
  if (settings.runs != 0) o.iterations = settings.runs;
  if (settings.seed != 0) o.seed = settings.seed;
  if (!settings.name.empty()) o.name = settings.name;
  o.use_environment = o.use_environment && settings.use_environment;
  bool violated = false;
  const weft::stress::report rep = weft::stress::run(o, [&] {
    violated = false;
    if (auto reason = once()) {
      violated = true;
      fail_run(*reason);
    }
  });
  engine_outcome out;
  out.runs = rep.iterations;
  out.seed = rep.seed;
  if (rep.ok()) return out;
  out.failed = true;
  out.violation = violated && rep.kind == weft::stress::failure::assertion;
  out.kind = std::string(weft::stress::to_string(rep.kind));
  out.message = rep.message;
  out.report = rep.to_string();
  return out;
}

std::shared_ptr<const executor> model_mode(weft::model::options opts) {
  return std::make_shared<model_executor>(std::move(opts));
}
std::shared_ptr<const executor> model_mode() {
  return std::make_shared<model_executor>();
}
std::shared_ptr<const executor> stress_mode(weft::stress::options opts) {
  return std::make_shared<stress_executor>(std::move(opts));
}
std::shared_ptr<const executor> stress_mode() {
  return std::make_shared<stress_executor>();
}

}  // namespace weft::prop
