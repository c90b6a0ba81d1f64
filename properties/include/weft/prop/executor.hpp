// weft/prop/executor.hpp — the engines a scenario runs on: model mode and stress mode.
//
// The property runner turns one scenario into a `run_once` callable: build a fresh
// object, run the scenario's threads (as weft::threads), record the history, check it.
// It returns the violation found, if any. An executor runs that callable many times under
// its engine and reports the first failing run:
//
//   model_executor   weft::model::check — every run is one schedule of the controlled
//                    scheduler (random or PCT), so a failure comes with the interleaving
//                    trace and a replay token; history stamps are logical time
//   stress_executor  weft::stress::run — real threads with injected delays; stamps come
//                    from one global atomic counter, so they order events in real time
//
// Either way the failure is reported to the engine through the facade's failure hook, so
// the engine's own report (trace, seed, replay) describes the failing run. Another
// engine plugs in by deriving from `executor`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "weft/model.hpp"
#include "weft/stress.hpp"

namespace weft::prop {

// What the property runner asks of one run of a scenario: nothing, or the reason it failed.
using run_once = std::function<std::optional<std::string>()>;

// Per-check settings the runner passes down (from config and environment).
struct run_settings {
  std::size_t runs = 0;         // runs per scenario; 0 = the executor's default
  std::uint64_t seed = 0;       // engine seed; 0 = the executor's default
  bool use_environment = true;  // engine knobs: WEFT_STRATEGY, WEFT_REPLAY (model)
  std::string name;             // shown in engine reports
};

struct engine_outcome {
  bool failed = false;
  bool violation = false;  // the failure is the run's own (run_once returned a reason)
  std::string kind;        // the engine's failure kind: "deadlock", "data_race", "hang", ...
  std::string message;     // the engine's one-line failure message
  std::string report;      // the engine's full report (trace, seed, replay token)
  std::string replay;      // model mode: WEFT_REPLAY token of the failing schedule
  std::uint64_t seed = 0;  // the seed the engine used
  std::size_t runs = 0;    // runs made, the failing one included
};

class executor {
 public:
  virtual ~executor() = default;
  // "model", "stress", ...: shown in reports; names the stamp source too.
  virtual std::string name() const = 0;
  // Runs `once` repeatedly (each call a fresh run) until it fails or the budget is spent.
  virtual engine_outcome run(const run_once& once, const run_settings& settings) const = 0;
};

class model_executor final : public executor {
 public:
  // Defaults: 100 schedules per scenario, half of them PCT (depth 3: finds bugs that
  // need one thread to run many steps while another waits, which uniform random
  // scheduling almost never produces), half random; a fixed seed, so a scenario's
  // verdict does not change while RapidCheck shrinks it.
  model_executor();
  // Exactly these options (their strategy for every schedule).
  explicit model_executor(weft::model::options opts);

  std::string name() const override { return "model"; }
  engine_outcome run(const run_once& once, const run_settings& settings) const override;

  const weft::model::options& options() const noexcept { return opts_; }

 private:
  weft::model::options opts_;
  bool mixed_ = false;  // half pct, half random (the default constructor)
};

class stress_executor final : public executor {
 public:
  // Defaults: 100 rounds per scenario, default delay injection.
  stress_executor();
  explicit stress_executor(weft::stress::options opts);

  std::string name() const override { return "stress"; }
  engine_outcome run(const run_once& once, const run_settings& settings) const override;

  const weft::stress::options& options() const noexcept { return opts_; }

 private:
  weft::stress::options opts_;
};

// Shorthands for config::executors.
std::shared_ptr<const executor> model_mode(weft::model::options opts);
std::shared_ptr<const executor> model_mode();
std::shared_ptr<const executor> stress_mode(weft::stress::options opts);
std::shared_ptr<const executor> stress_mode();

}  // namespace weft::prop
