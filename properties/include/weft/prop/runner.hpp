// weft/prop/runner.hpp — checking a spec: generate scenarios, run each on the configured
// engines, record the history of every run, check it, shrink a failure, report it.
//
// Two ways to run, both GoogleTest-friendly:
//
//   TEST(Queue, Linearizable) {                        // plain test: one call
//     EXPECT_TRUE(weft::testing::passed(weft::prop::check(queue_spec())));
//   }
//
//   RC_GTEST_PROP(Queue, Linearizable, ()) {           // RapidCheck's own driver
//     weft::prop::rc_check(queue_spec());               // one scenario per call
//   }
//
// check() drives RapidCheck itself and returns a `result` (with the shrunk failure, the
// RapidCheck reproduce string and the replay token); rc_check() is one property case
// for RC_GTEST_PROP, which reports through RapidCheck (RC_PARAMS applies).
//
// Each run of a scenario: a fresh object (spec::make) — the initial sequential part on
// the test's thread — T weft::threads for the parallel part — joined — the final part;
// the spec's invariants at every quiescent point; then the history is checked against
// the model. Every operation is stamped just before it is called and just after it
// returns, from one counter for the whole run.
//
// Knobs (read by check() and rc_check() when config::use_environment):
//   WEFT_PROP_SCENARIOS   scenarios per property           (config::scenarios)
//   WEFT_SCHEDULES        model schedules / stress rounds per scenario (config::runs)
//   WEFT_SEED             seed of scenario generation and of the engines
//   WEFT_PROP_MODE        model | stress | both            (when config::executors is empty)
//   WEFT_PROP_THREADS     threads in the parallel part     (config::shape.threads)
//   WEFT_PROP_OPS         operations per thread            (config::shape.ops_per_thread)
//   WEFT_PROP_HISTORY_DIR where a failing history is saved as JSON Lines
//   WEFT_STRATEGY, WEFT_REPLAY, WEFT_TRACE   model mode, as for weft::model::check
//   RC_PARAMS             RapidCheck's own (reproduce=..., verbose_shrinking=1, ...)
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <rapidcheck.h>

#include "weft/history.hpp"
#include "weft/linearizability.hpp"
#include "weft/prop/check_history.hpp"
#include "weft/prop/executor.hpp"
#include "weft/prop/scenario.hpp"
#include "weft/prop/spec.hpp"
#include "weft/sync.hpp"

namespace weft::prop {

struct config {
  weft::prop::shape shape;  // threads x operations, sequential parts
  int scenarios = 0;        // scenarios to generate; 0 = RapidCheck's default (100)
  std::size_t runs = 0;     // runs per scenario per engine (model schedules, stress
                            // rounds); 0 = the executor's default (100)
  std::uint64_t seed = 0;   // 0 = RapidCheck's (random unless RC_PARAMS sets one)
  double max_seconds = 0;   // stop starting new scenarios after this long; 0 = no limit
  checker_budget budget{100'000, 10.0};  // per history; beyond it the history is undecided
  std::vector<std::shared_ptr<const executor>> executors;  // empty: model mode
  bool shrink = true;
  std::string history_dir;  // save the failing history here (JSON Lines); "" = don't
  bool use_environment = true;
  std::string name;  // default: the spec's name
};

enum class violation : std::uint8_t {
  none,
  not_linearizable,  // no linearization of the history fits the model
  invariant,         // an invariant was false at a quiescent point
  execution,         // the engine failed the run: deadlock, data race, crash, hang, ...
};

std::string_view to_string(violation v) noexcept;

// Everything known about one failing run.
struct failure_report {
  violation kind = violation::none;
  std::string headline;              // one line: what failed
  std::string executor;              // "model", "stress"
  std::string engine_kind;           // execution failures: the engine's kind ("deadlock", ...)
  scenario minimal;                  // the scenario (after shrinking, when it came from check())
  std::vector<std::string> results;  // what each call returned, in scenario order
  history ops;                       // the recorded history (JSON fields filled in)
  std::vector<std::string> shown;    // each of `ops` as "push(3) -> true", for the report
  std::string explanation;    // why no linearization exists / which invariant / engine message
  std::string engine_report;  // the engine's report: trace, seed, replay
  std::string replay;         // model mode: WEFT_REPLAY token
  std::uint64_t engine_seed = 0;

  std::string to_string() const;
};

struct result {
  std::string name;
  bool ok = true;
  std::size_t scenarios = 0;  // scenarios run (shrinking included)
  std::size_t runs = 0;       // runs of them on all engines
  std::size_t undecided = 0;  // runs whose history exceeded the checker budget
  std::size_t shrinks = 0;    // accepted shrinking steps
  std::uint64_t seed = 0;     // RapidCheck's seed
  bool time_budget_hit = false;
  std::optional<failure_report> failure;  // the minimal failing case
  std::string reproduce;                  // RC_PARAMS value that reruns the minimal case
  std::string history_file;               // where the failing history was saved
  std::string error;                      // RapidCheck gave up or a check threw
  std::string command = "<this test>";    // how to run it again (the gtest helpers fill it in)

  std::string to_string() const;
};

std::ostream& operator<<(std::ostream& os, const result& r);
std::ostream& operator<<(std::ostream& os, const failure_report& r);

namespace detail {

// Counters shared by the runs of one check.
struct run_stats {
  std::size_t scenarios = 0;
  std::size_t runs = 0;
  std::size_t undecided = 0;
};

// config with the environment applied and defaults filled in.
config resolve_config(const config& given, const std::string& spec_name);
run_settings settings_for(const config& cfg);

// Runs `property` under RapidCheck (see check()).
struct rc_outcome {
  bool passed = true;
  std::string message;  // RapidCheck's message (gave up, error)
  std::string reproduce;
  std::uint64_t seed = 0;
  std::size_t shrinks = 0;
};
rc_outcome run_rapidcheck(const std::string& id, const std::function<void()>& property,
                          const config& cfg);

// The failing history saved under cfg.history_dir; returns the path ("" when not saved).
std::string save_failure(const config& cfg, const std::string& name, const history& h);

// So that RC_GTEST_PROP properties scale with the same knobs as check(): before the first
// RapidCheck property runs, WEFT_PROP_SCENARIOS and WEFT_SEED are added to RC_PARAMS as
// max_success and seed (unless RC_PARAMS sets those already). Runs at static
// initialisation of any program that includes this header. noexcept: an exception there
// (only bad_alloc could come) ends the program anyway.
bool apply_rc_environment() noexcept;
inline const bool rc_environment_applied = apply_rc_environment();

// One scenario on one engine: everything a run needs, and what the last failing run saw.
template <class Object, class Model>
class scenario_runner {
 public:
  scenario_runner(const spec_data<Object, Model>& s, const scenario& sc, const config& cfg)
      : s_(s), sc_(sc), cfg_(cfg) {
    for (const auto& inv : sc.init) {
      slots_.push_back({0, &inv});
    }
    for (std::size_t t = 0; t < sc.parallel.size(); ++t) {
      for (const auto& inv : sc.parallel[t]) {
        slots_.push_back({static_cast<int>(t + 1), &inv});
      }
    }
    for (const auto& inv : sc.post) {
      slots_.push_back({0, &inv});
    }
  }

  // One run (see the header comment); the reason it failed, if it did.
  std::optional<std::string> once() {
    reset();
    std::unique_ptr<Object> obj = s_.make();
    std::size_t slot = 0;
    for (std::size_t k = 0; k < sc_.init.size(); ++k, ++slot) {
      call(*obj, slot);
      if (auto bad = invariants(*obj, false,
                                "after init operation " + std::to_string(k + 1) + " (" +
                                    sc_.init[k].to_string() + ")")) {
        return bad;
      }
    }
    if (!sc_.parallel.empty()) {
      std::vector<weft::thread> threads;
      threads.reserve(sc_.parallel.size());
      for (std::size_t t = 0; t < sc_.parallel.size(); ++t) {
        const std::size_t first = slot;
        const std::size_t count = sc_.parallel[t].size();
        threads.emplace_back([this, &obj, first, count] {
          for (std::size_t k = 0; k < count; ++k) {
            call(*obj, first + k);
          }
        });
        slot += count;
      }
      for (auto& th : threads) {
        th.join();
      }
      if (auto bad = invariants(*obj, false, "after the parallel part")) return bad;
    }
    for (std::size_t k = 0; k < sc_.post.size(); ++k, ++slot) {
      call(*obj, slot);
      if (auto bad = invariants(*obj, false,
                                "after post operation " + std::to_string(k + 1) + " (" +
                                    sc_.post[k].to_string() + ")")) {
        return bad;
      }
    }
    if (auto bad = invariants(*obj, true, "at the end")) return bad;
    obj.reset();

    lin_ = check_resolved(s_, ops_, cfg_.budget);
    if (lin_.result == verdict::undecided) ++undecided_;
    if (lin_.result == verdict::not_linearizable) {
      kind_ = violation::not_linearizable;
      headline_ = "the history is not linearizable";
      return "weft::prop: " + headline_;
    }
    for (const auto& [name, holds] : s_.history_checks) {
      std::string why = holds(ops_);
      if (why.empty()) continue;
      kind_ = violation::invariant;
      headline_ = "history check '" + name + "' is false";
      detail_ = why + "\n";
      return "weft::prop: " + headline_;
    }
    return std::nullopt;
  }

  // The report of the last failing run under `engine`.
  failure_report report(const engine_outcome& engine, const std::string& executor_name) {
    failure_report r;
    r.executor = executor_name;
    r.minimal = sc_;
    r.engine_report = engine.report;
    r.replay = engine.replay;
    r.engine_seed = engine.seed;
    if (engine.violation) {
      r.kind = kind_;
      r.headline = headline_;
      r.explanation = kind_ == violation::not_linearizable ? explain(s_, ops_, lin_) : detail_;
    } else {
      r.kind = violation::execution;
      r.engine_kind = engine.kind;
      r.headline = "the " + executor_name + " engine failed the run: " + engine.kind;
      r.explanation = engine.message + "\n";
    }
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      operation& o = ops_[i];
      const op_info& info = s_.op(o.op_index);
      o.args = info.args_json(o.typed_args);
      if (o.invoke == never) {
        r.results.push_back("(not run)");
      } else if (o.pending()) {
        r.results.push_back("(pending)");
      } else {
        o.result = info.result_json(o.typed_result);
        r.results.push_back(info.show_result(o.typed_result));
      }
      if (o.invoke != never) {
        r.ops.push_back(o);
        std::string d = info.name + "(" + info.show_args(o.typed_args) + ") -> " + r.results.back();
        r.shown.push_back(std::move(d));
      }
    }
    return r;
  }

  std::size_t undecided() const noexcept { return undecided_; }

 private:
  struct slot_info {
    int thread;
    const invocation* inv;
  };

  void reset() {
    ops_.resize(slots_.size());
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      operation& o = ops_[i];
      o.thread = slots_[i].thread;
      o.op = slots_[i].inv->op->name;
      o.op_index = slots_[i].inv->index;
      o.typed_args = slots_[i].inv->args;
      o.typed_result.reset();
      o.invoke = never;
      o.ret = never;
    }
    clock_.store(0);
    kind_ = violation::none;
  }

  // Stamps come from one sequentially consistent counter: an operation's return stamp
  // is smaller than another's invoke stamp only if it really returned before the other
  // was called, on any engine. (In model mode the counter is not a facade operation, so
  // it adds no scheduling point: logical time.)
  void call(Object& obj, std::size_t slot) {
    operation& o = ops_[slot];
    o.invoke = clock_.fetch_add(1);
    std::any r = s_.op(o.op_index).call(obj, o.typed_args);
    o.ret = clock_.fetch_add(1);
    o.typed_result = std::move(r);
  }

  std::optional<std::string> invariants(const Object& obj, bool at_end, const std::string& where) {
    for (const auto& inv : s_.invariants) {
      if (inv.final_only && !at_end) continue;
      if (inv.holds(obj)) continue;
      kind_ = violation::invariant;
      headline_ = "invariant '" + inv.name + "' is false " + where;
      detail_ = headline_ + "\n";
      return "weft::prop: " + headline_;
    }
    return std::nullopt;
  }

  const spec_data<Object, Model>& s_;
  const scenario& sc_;
  const config& cfg_;
  std::vector<slot_info> slots_;
  history ops_;
  std::atomic<std::uint64_t> clock_{0};
  violation kind_ = violation::none;
  std::string headline_;
  std::string detail_;
  check_result lin_;
  std::size_t undecided_ = 0;
};

// Runs one scenario on every configured engine; the first failure, if any.
template <class Object, class Model>
std::optional<failure_report> run_scenario(const spec_data<Object, Model>& s, const scenario& sc,
                                           const config& cfg, run_stats& stats) {
  ++stats.scenarios;
  const run_settings settings = settings_for(cfg);
  for (const auto& ex : cfg.executors) {
    scenario_runner<Object, Model> runner(s, sc, cfg);
    const engine_outcome out = ex->run([&] { return runner.once(); }, settings);
    stats.runs += out.runs;
    stats.undecided += runner.undecided();
    if (out.failed) return runner.report(out, ex->name());
  }
  return std::nullopt;
}

}  // namespace detail

// One property case for RC_GTEST_PROP / rc::check: generates a scenario, runs it, and
// fails the case (RC_FAIL, with the full report) if any run fails.
template <class Object, class Model>
void rc_check(const spec<Object, Model>& s, const config& given = {}) {
  const config cfg = detail::resolve_config(given, s.name());
  const scenario sc = *scenario_gen(s, cfg.shape);
  detail::run_stats stats;
  if (auto failure = detail::run_scenario(s.data(), sc, cfg, stats)) {
    RC_FAIL(failure->to_string());
  }
}

// Checks the spec: cfg.scenarios generated scenarios, each on every engine; on failure,
// shrinks it and reports the minimal one (see the header comment).
template <class Object, class Model>
result check(const spec<Object, Model>& s, const config& given = {}) {
  const config cfg = detail::resolve_config(given, s.name());
  result res;
  res.name = cfg.name;
  detail::run_stats stats;
  std::optional<failure_report> last;
  const auto start = std::chrono::steady_clock::now();
  const rc::Gen<scenario> gen = scenario_gen(s, cfg.shape);
  const auto property = [&] {
    if (cfg.max_seconds > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >
            cfg.max_seconds) {
      res.time_budget_hit = true;
      return;
    }
    const scenario sc = *gen;
    if (auto failure = detail::run_scenario(s.data(), sc, cfg, stats)) {
      std::string headline = failure->headline;
      last = std::move(failure);  // the last failing case is the shrunk one
      RC_FAIL(headline);
    }
  };
  try {
    const detail::rc_outcome rc_out = detail::run_rapidcheck(cfg.name, property, cfg);
    res.ok = rc_out.passed;
    res.seed = rc_out.seed;
    res.shrinks = rc_out.shrinks;
    res.reproduce = rc_out.reproduce;
    if (!rc_out.passed && !last) res.error = rc_out.message;
  } catch (const std::exception& e) {
    res.ok = false;
    res.error = e.what();
  }
  res.scenarios = stats.scenarios;
  res.runs = stats.runs;
  res.undecided = stats.undecided;
  if (!res.ok && last) {
    res.failure = std::move(last);
    res.history_file = detail::save_failure(cfg, cfg.name, res.failure->ops);
  }
  return res;
}

}  // namespace weft::prop
