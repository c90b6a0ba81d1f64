// runner.cpp — the non-template half of the property runner: knobs from the environment,
// driving RapidCheck, saving failing histories, and the failure report.
#include "weft/prop/runner.hpp"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include <rapidcheck/detail/Configuration.h>
#include <rapidcheck/detail/TestListener.h>

namespace weft::prop {

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read-only use
  return v != nullptr && v[0] != '\0' ? v : nullptr;
}

std::uint64_t number(const char* name, const char* text) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 0);
  if (end == text || *end != '\0') {
    throw std::invalid_argument(std::string(name) + "=\"" + text + "\" is not a number");
  }
  return v;
}

// Counts accepted shrinks; otherwise silent (RapidCheck's default listener prints
// progress only when configured to).
class shrink_counter final : public rc::detail::TestListener {
 public:
  void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
  void onShrinkTried(const rc::detail::CaseDescription&, bool accepted) override {
    if (accepted) ++shrinks;
  }
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
  std::size_t shrinks = 0;
};

std::string indent(const std::string& text, const std::string& prefix) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string line =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    out += prefix + line + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string_view to_string(violation v) noexcept {
  switch (v) {
    case violation::none:
      return "none";
    case violation::not_linearizable:
      return "not linearizable";
    case violation::invariant:
      return "invariant violated";
    case violation::execution:
      return "execution failed";
  }
  return "?";
}

std::string failure_report::to_string() const {
  std::ostringstream os;
  os << *this;
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const failure_report& r) {
  os << r.headline << " (" << r.executor << " mode)\n\n"
     << "scenario, with what each call returned:\n"
     << format_scenario(r.minimal, &r.results) << "\n"
     << "history (" << (r.executor == "model" ? "logical time" : "global counter") << " stamps):\n"
     << format_history(r.ops, r.shown.size() == r.ops.size() ? &r.shown : nullptr) << "\n";
  if (r.kind == violation::not_linearizable) {
    os << "why:\n" << indent(r.explanation, "  ") << "\n";
  } else if (!r.explanation.empty()) {
    os << "what happened:\n" << indent(r.explanation, "  ") << "\n";
  }
  if (!r.engine_report.empty()) os << r.engine_report;
  return os;
}

std::string result::to_string() const {
  std::ostringstream os;
  os << *this;
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const result& r) {
  if (r.ok) {
    os << "weft::prop " << r.name << " passed: " << r.scenarios << " scenario(s), " << r.runs
       << " run(s)";
    if (r.undecided > 0) os << ", " << r.undecided << " history check(s) undecided (budget)";
    if (r.time_budget_hit) os << ", stopped early by the time budget";
    return os << ", seed " << r.seed << "\n";
  }
  os << "weft::prop " << r.name << " FAILED";
  if (!r.failure) return os << ": " << r.error << "\n";
  os << ": " << r.failure->headline << "\n"
     << "found after " << r.scenarios << " scenario(s) and " << r.runs << " run(s); shrunk "
     << r.shrinks << " time(s); RapidCheck seed " << r.seed << "\n\n"
     << *r.failure << "\n";
  os << "reproduce:\n";
  std::string cmd;
  if (!r.reproduce.empty()) cmd += "RC_PARAMS=\"" + r.reproduce + "\" ";
  if (!r.failure->replay.empty()) cmd += "WEFT_REPLAY=" + r.failure->replay + " ";
  os << "  " << (cmd.empty() ? "(no reproduce information)" : cmd + r.command) << "\n";
  if (!r.history_file.empty()) {
    os << "history saved to " << r.history_file << " (re-check with weft::prop::check_history)\n";
  }
  return os;
}

namespace detail {

config resolve_config(const config& given, const std::string& spec_name) {
  config cfg = given;
  if (cfg.name.empty()) cfg.name = spec_name;
  if (cfg.use_environment) {
    if (const char* v = env("WEFT_PROP_SCENARIOS")) {
      cfg.scenarios = static_cast<int>(number("WEFT_PROP_SCENARIOS", v));
    }
    if (const char* v = env("WEFT_SCHEDULES")) cfg.runs = number("WEFT_SCHEDULES", v);
    if (const char* v = env("WEFT_SEED")) cfg.seed = number("WEFT_SEED", v);
    if (const char* v = env("WEFT_PROP_THREADS")) {
      cfg.shape.threads = number("WEFT_PROP_THREADS", v);
    }
    if (const char* v = env("WEFT_PROP_OPS")) cfg.shape.ops_per_thread = number("WEFT_PROP_OPS", v);
    if (const char* v = env("WEFT_PROP_HISTORY_DIR")) cfg.history_dir = v;
    if (cfg.executors.empty()) {
      if (const char* v = env("WEFT_PROP_MODE")) {
        const std::string mode = v;
        if (mode == "model" || mode == "both") cfg.executors.push_back(model_mode());
        if (mode == "stress" || mode == "both") cfg.executors.push_back(stress_mode());
        if (cfg.executors.empty()) {
          throw std::invalid_argument("WEFT_PROP_MODE=\"" + mode +
                                      "\": expected model, stress or both");
        }
      }
    }
  }
  if (cfg.executors.empty()) cfg.executors.push_back(model_mode());
  return cfg;
}

run_settings settings_for(const config& cfg) {
  run_settings s;
  s.runs = cfg.runs;
  s.seed = cfg.seed;
  s.use_environment = cfg.use_environment;
  s.name = cfg.name;
  return s;
}

rc_outcome run_rapidcheck(const std::string& id, const std::function<void()>& property,
                          const config& cfg) {
  const rc::detail::Configuration& rc_config = rc::detail::configuration();
  rc::detail::TestParams params = rc_config.testParams;
  if (cfg.scenarios > 0) params.maxSuccess = cfg.scenarios;
  if (cfg.seed != 0) params.seed = cfg.seed;
  if (!cfg.shrink) params.disableShrinking = true;
  rc::detail::TestMetadata metadata;
  metadata.id = "weft.prop/" + id;
  metadata.description = id;
  shrink_counter listener;
  const rc::detail::TestResult result = rc::detail::checkTestable(
      [&property] { property(); }, metadata, params, listener, rc_config.reproduce);

  rc_outcome out;
  out.seed = params.seed;
  out.shrinks = listener.shrinks;
  if (result.is<rc::detail::SuccessResult>()) return out;
  out.passed = false;
  std::ostringstream msg;
  rc::detail::printResultMessage(result, msg);
  out.message = msg.str();
  rc::detail::FailureResult failure;
  if (result.match(failure)) {
    rc::detail::Configuration repro;
    repro.reproduce[metadata.id] = failure.reproduce;
    // Keep only the reproduce= entry (the minimal string may also carry a seed).
    const std::string all = rc::detail::configToMinimalString(repro);
    const std::size_t at = all.find("reproduce=");
    if (at != std::string::npos) out.reproduce = all.substr(at, all.find(' ', at) - at);
  }
  return out;
}

bool apply_rc_environment() noexcept {
  static const bool applied = [] {
    std::string params = env("RC_PARAMS") != nullptr ? env("RC_PARAMS") : "";
    const std::string before = params;
    if (const char* n = env("WEFT_PROP_SCENARIOS");
        n != nullptr && params.find("max_success=") == std::string::npos) {
      params += std::string(params.empty() ? "" : " ") + "max_success=" + n;
    }
    if (const char* s = env("WEFT_SEED");
        s != nullptr && params.find("seed=") == std::string::npos) {
      params += std::string(params.empty() ? "" : " ") + "seed=" + s;
    }
    if (params != before) {
      ::setenv("RC_PARAMS", params.c_str(), 1);  // NOLINT(concurrency-mt-unsafe): static init
    }
    return true;
  }();
  return applied;
}

std::string save_failure(const config& cfg, const std::string& name, const history& h) {
  if (cfg.history_dir.empty()) return {};
  std::string file;
  for (const char c : name) {
    file += (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_') ? c : '_';
  }
  std::filesystem::create_directories(cfg.history_dir);
  std::string path = (std::filesystem::path(cfg.history_dir) / (file + ".jsonl")).string();
  save_history(path, h);
  return path;
}

}  // namespace detail

}  // namespace weft::prop
