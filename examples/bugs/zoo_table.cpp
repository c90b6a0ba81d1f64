// weft_zoo_table — schedules-to-first-bug for every exhibit of the bug zoo, per search
// strategy, as a markdown table (the table in docs/bug-zoo.md).
//
//   weft_zoo_table [--runs N] [--budget B] [--bug NAME] [--skip NAME] [--twins]
//                  [--strategy random|pct|dfs|dfs-unbounded] [--twin-budget B]
//                  [--sync-points]
//
// For each bug and strategy (random; pct with depth 3; dfs with preemption bound 2; dfs
// unbounded) it runs N independent searches with seeds 1..N (dfs is deterministic:
// once), each with at most B schedules, and prints the median number of schedules up to and
// including the first failing one. A search that ends without a failure counts as "more than B";
// the median is shown only when more than half of the searches found the bug. A failure of another
// kind than the expected one is shown as such, never counted as found. With --twins it also checks
// each fixed twin: dfs with bound 2 and unbounded (each up to
// --twin-budget schedules; "exhausted" when the space was complete) and 1,000 random
// schedules. --strategy is one of random, pct, dfs, dfs-unbounded. --sync-points runs every
// search with options::schedule_var_accesses = false (var accesses are not scheduling
// points).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "weft/model.hpp"
#include "weft_bugs/zoo.hpp"

namespace {

using weft::model::failure;
using weft::model::strategy;

struct settings {
  int runs = 21;
  std::size_t budget = 10'000;
  std::size_t twin_budget = 20'000;
  const char* only_bug = nullptr;
  const char* skip_bug = nullptr;
  const char* only_strategy = nullptr;
  bool twins = false;
  bool sync_points = false;
};

weft::model::options options_for(const weft_bugs::bug& b, std::uint64_t seed, const settings& cfg) {
  weft::model::options o = weft_bugs::options_for(b, seed);
  o.schedule_var_accesses = !cfg.sync_points;
  return o;
}

struct cell {
  std::string text;
  double seconds = 0;
};

std::string to_str(std::string_view s) {
  return std::string(s);
}

struct column {
  strategy kind;
  int preemption_bound;  // dfs only
  const char* label;
  const char* key;  // for --strategy
};

cell search(const weft_bugs::bug& b, const column& col, const settings& cfg) {
  const strategy s = col.kind;
  const int runs = s == strategy::dfs ? 1 : cfg.runs;
  std::vector<std::size_t> found;  // schedules to first bug; budget + 1 = not found
  std::string wrong;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < runs; ++i) {
    weft::model::options o = options_for(b, static_cast<std::uint64_t>(i) + 1, cfg);
    o.strategy = s;
    o.pct_depth = 3;
    o.preemption_bound = col.preemption_bound;
    o.max_schedules = cfg.budget;
    const auto r = weft::model::check(o, b.buggy);
    if (r.kind == b.kind) {
      found.push_back(r.schedules);
    } else {
      found.push_back(cfg.budget + 1);
      if (r.kind != failure::none && wrong.empty()) {
        wrong = to_str(weft::model::to_string(r.kind));
      }
      if (s == strategy::dfs && r.kind == failure::none && r.exhausted) {
        wrong = "exhausted";
        found.back() = r.schedules;
      }
    }
  }
  cell c;
  c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(found.begin(), found.end());
  const auto hits = static_cast<int>(
      std::count_if(found.begin(), found.end(), [&](std::size_t n) { return n <= cfg.budget; }));
  const std::size_t median = found[found.size() / 2];
  char buf[160];
  if (s == strategy::dfs) {
    if (hits == 1) {
      std::snprintf(buf, sizeof buf, "%zu", found[0]);
    } else if (wrong == "exhausted") {
      std::snprintf(buf, sizeof buf, "not found (space exhausted after %zu)", found[0]);
    } else if (!wrong.empty()) {
      std::snprintf(buf, sizeof buf, "WRONG KIND: %s", wrong.c_str());
    } else {
      std::snprintf(buf, sizeof buf, "not found within %zu", cfg.budget);
    }
  } else if (median <= cfg.budget) {
    std::snprintf(buf, sizeof buf, "%zu (%d/%d)", median, hits, runs);
  } else if (hits > 0) {
    std::snprintf(buf, sizeof buf, "> %zu (%d/%d)", cfg.budget, hits, runs);
  } else {
    std::snprintf(buf, sizeof buf, "not found within %zu (0/%d)", cfg.budget, runs);
  }
  c.text = buf;
  if (!wrong.empty() && wrong != "exhausted" && s != strategy::dfs) {
    c.text += " WRONG KIND seen: " + wrong;
  }
  return c;
}

std::string twin(const weft_bugs::bug& b, const settings& cfg) {
  std::string out;
  for (int bound : {2, -1}) {
    weft::model::options o = options_for(b, 1, cfg);
    o.strategy = strategy::dfs;
    o.preemption_bound = bound;
    o.max_schedules = std::max(cfg.twin_budget, b.fixed_budget);
    const auto d = weft::model::check(o, b.fixed);
    out += bound < 0 ? "unbounded " : "bound 2 ";
    if (d.ok()) {
      out += d.exhausted ? std::to_string(d.schedules) + " (exhausted)"
                         : "> " + std::to_string(d.schedules) + " (budget)";
    } else {
      out += "FAILED: " + to_str(weft::model::to_string(d.kind));
    }
    out += "; ";
  }
  weft::model::options o = options_for(b, 1, cfg);
  o.strategy = strategy::random;
  o.max_schedules = 1000;
  const auto r = weft::model::check(o, b.fixed);
  out += r.ok() ? "random 1000 ok" : "random FAILED: " + to_str(weft::model::to_string(r.kind));
  return out;
}

void usage() {
  std::fputs(
      "usage: weft_zoo_table [--runs N] [--budget B] [--bug NAME] [--skip NAME] [--twins]\n"
      "                      [--strategy random|pct|dfs|dfs-unbounded] [--twin-budget B]\n"
      "                      [--sync-points]\n",
      stderr);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  settings cfg;
  for (int i = 1; i < argc; ++i) {
    const auto arg = [&] {
      if (i + 1 >= argc) {
        usage();
      }
      return argv[++i];
    };
    if (std::strcmp(argv[i], "--runs") == 0) {
      cfg.runs = std::atoi(arg());
    } else if (std::strcmp(argv[i], "--budget") == 0) {
      cfg.budget = std::strtoull(arg(), nullptr, 10);
    } else if (std::strcmp(argv[i], "--twin-budget") == 0) {
      cfg.twin_budget = std::strtoull(arg(), nullptr, 10);
    } else if (std::strcmp(argv[i], "--bug") == 0) {
      cfg.only_bug = arg();
    } else if (std::strcmp(argv[i], "--skip") == 0) {
      cfg.skip_bug = arg();
    } else if (std::strcmp(argv[i], "--strategy") == 0) {
      cfg.only_strategy = arg();
    } else if (std::strcmp(argv[i], "--twins") == 0) {
      cfg.twins = true;
    } else if (std::strcmp(argv[i], "--sync-points") == 0) {
      cfg.sync_points = true;
    } else {
      usage();
    }
  }
  if (cfg.runs < 1 || cfg.budget < 1) {
    usage();
  }

  const std::vector<column> all_columns = {
      {strategy::random, 0, "random", "random"},
      {strategy::pct, 0, "pct (d=3)", "pct"},
      {strategy::dfs, 2, "dfs (bound 2)", "dfs"},
      {strategy::dfs, -1, "dfs (unbounded)", "dfs-unbounded"},
  };
  std::vector<column> columns;
  for (const column& c : all_columns) {
    if (cfg.only_strategy == nullptr || std::strcmp(cfg.only_strategy, c.key) == 0) {
      columns.push_back(c);
    }
  }

  std::printf("| bug | expected |");
  for (const column& c : columns) {
    std::printf(" %s |", c.label);
  }
  std::printf("%s\n|---|---|", cfg.twins ? " fixed twin |" : "");
  for (std::size_t i = 0; i < columns.size(); ++i) {
    std::printf("---|");
  }
  std::printf("%s\n", cfg.twins ? "---|" : "");
  std::fflush(stdout);

  double total = 0;
  for (const weft_bugs::bug& b : weft_bugs::all_bugs()) {
    if (cfg.only_bug != nullptr && std::strcmp(cfg.only_bug, b.name) != 0) {
      continue;
    }
    if (cfg.skip_bug != nullptr && std::strcmp(cfg.skip_bug, b.name) == 0) {
      continue;
    }
    std::printf("| %s | %s |", b.name, to_str(weft::model::to_string(b.kind)).c_str());
    for (const column& c : columns) {
      const cell result = search(b, c, cfg);
      total += result.seconds;
      std::printf(" %s |", result.text.c_str());
      std::fflush(stdout);
    }
    if (cfg.twins) {
      std::printf(" %s |", twin(b, cfg).c_str());
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  std::fprintf(stderr, "searches took %.1f s\n", total);
  return 0;
}
