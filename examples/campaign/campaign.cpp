// The verification campaign: runs weft's model checker over the bug zoo (every buggy
// program must be caught with the right diagnosis, every corrected twin must pass a
// bounded exhaustive search) and over the primitives' model scenarios, then prints a
// summary table and, for one caught bug, the full report with its replay command.
//
//   weft_campaign                 # everything
//   weft_campaign --filter abba   # only checks whose name contains "abba"
//
// Exit status: 0 when every check met its expectation, 1 otherwise.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "model_scenarios.hpp"  // primitives/test: the channel/select/context checks
#include "weft/model.hpp"
#include "weft_bugs/zoo.hpp"

namespace {

struct check_case {
  std::string component;
  std::string check;
  weft::model::options opts;
  std::function<void()> body;
  weft::model::failure expected;  // none: must pass
  bool require_exhausted = false;
};

struct outcome {
  const check_case* c;
  weft::model::report report;
  double seconds;
  bool ok;
};

std::string strategy_label(const weft::model::options& o) {
  std::string s(weft::model::to_string(o.strategy));
  if (o.strategy == weft::model::strategy::dfs) {
    s += o.preemption_bound < 0 ? " (unbounded)"
                                : " (bound " + std::to_string(o.preemption_bound) + ")";
  }
  return s;
}

std::vector<check_case> zoo_cases() {
  std::vector<check_case> out;
  for (const weft_bugs::bug& b : weft_bugs::all_bugs()) {
    weft::model::options found = weft_bugs::options_for(b);
    out.push_back({"bug zoo", std::string(b.name) + " (buggy)", found, b.buggy, b.kind});
    weft::model::options proof = weft_bugs::options_for(b);
    proof.strategy = weft::model::strategy::dfs;
    proof.preemption_bound = 2;
    proof.max_schedules = b.fixed_budget;
    out.push_back(
        {"bug zoo", std::string(b.name) + " (fixed)", proof, b.fixed, weft::model::failure::none});
  }
  return out;
}

std::vector<check_case> primitive_cases() {
  std::vector<check_case> out;
  for (auto& s : weft::scenarios::primitive_scenarios()) {
    out.push_back({s.component, s.name, s.opts, s.body, s.expected});
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const char* filter = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--filter") == 0 && i + 1 < argc) {
      filter = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--filter SUBSTRING]\n", argv[0]);
      return 2;
    }
  }

  std::vector<check_case> cases = primitive_cases();
  for (auto& c : zoo_cases()) {
    cases.push_back(std::move(c));
  }
  // A replay token from an earlier report re-runs that one schedule of the filtered check.
  if (const char* token = std::getenv("WEFT_REPLAY"); token != nullptr && filter != nullptr) {
    for (check_case& c : cases) {
      c.opts.replay = token;
    }
  }
  std::vector<outcome> results;
  const auto start = std::chrono::steady_clock::now();
  for (const check_case& c : cases) {
    if (filter != nullptr && (c.component + " " + c.check).find(filter) == std::string::npos) {
      continue;
    }
    const auto t0 = std::chrono::steady_clock::now();
    weft::model::report r = weft::model::check(c.opts, c.body);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const bool ok = r.kind == c.expected && (!c.require_exhausted || r.exhausted);
    results.push_back({&c, std::move(r), secs, ok});
  }

  std::cout << "weft verification campaign\n\n";
  std::cout << "| component | check | strategy | schedules | result | expected | ok |\n"
            << "|---|---|---|---|---|---|---|\n";
  std::size_t failures = 0;
  const outcome* showcase = nullptr;
  for (const outcome& o : results) {
    std::string result =
        o.report.ok() ? "passed" : "found " + std::string(weft::model::to_string(o.report.kind));
    if (o.report.ok() && o.report.exhausted) result += ", space exhausted";
    const std::string expected = o.c->expected == weft::model::failure::none
                                     ? "passes"
                                     : std::string(weft::model::to_string(o.c->expected));
    std::cout << "| " << o.c->component << " | " << o.c->check << " | " << strategy_label(o.c->opts)
              << " | " << o.report.schedules << " | " << result << " | " << expected << " | "
              << (o.ok ? "yes" : "**NO**") << " |\n";
    if (!o.ok) ++failures;
    if (showcase == nullptr && !o.report.ok() && o.ok &&
        o.report.kind == weft::model::failure::deadlock) {
      showcase = &o;
    }
  }
  if (showcase == nullptr) {
    for (const outcome& o : results) {
      if (!o.report.ok() && o.ok) {
        showcase = &o;
        break;
      }
    }
  }
  const double total =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "\n"
            << results.size() << " checks, " << (results.size() - failures)
            << " met their expectation, " << failures << " did not; " << total << " s\n";

  if (showcase != nullptr) {
    std::cout << "\nOne of the bugs found, as weft reports it (" << showcase->c->check << "):\n\n"
              << showcase->report << "reproduce: WEFT_REPLAY=" << showcase->report.replay << " "
              << argv[0] << " --filter '" << showcase->c->check << "'\n";
  }
  for (const outcome& o : results) {
    if (!o.ok) {
      std::cout << "\nUNEXPECTED: " << o.c->component << " / " << o.c->check << "\n" << o.report;
    }
  }
  return failures == 0 ? 0 : 1;
}
