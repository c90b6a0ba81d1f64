// rates.cpp — weft_stress_rates: how much delay injection buys.
//
// For every deliberately broken component of stress/src/variants.hpp it runs the same
// number of rounds twice — without and with delay injection — and counts the failing
// rounds; then it runs the fixed twin with injection (which must not fail). Prints a
// markdown table of failures per 1,000 rounds (the table in docs/stress.md).
//
//   weft_stress_rates [--rounds N] [--seed S] [--probability P] [--only NAME]
//
// weft::stress::run stops at the first failing round, so a measurement is a sequence of
// runs, each continuing with the rounds that are left; the k-th run of a measurement
// uses seed mix(S, k) in both modes, so the two columns see the same delay decisions
// wherever the rounds line up (the OS scheduler does the rest). A lost wake-up costs
// its variant's hang limit in wall-clock time per failure.
//
// Exit status: 0, or 1 when a fixed twin failed (the table is printed anyway).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>

#include "variants.hpp"
#include "weft/stress.hpp"

namespace {

using weft::stress_variants::variant;

struct settings {
  std::size_t rounds = 1000;
  std::uint64_t seed = 1;
  double probability = weft::stress::delay_profile{}.probability;
  std::string only;
};

struct tally {
  std::size_t rounds = 0;
  std::size_t failures = 0;
  double seconds = 0;
  std::map<std::string, std::size_t> kinds;  // failure kind -> count
  std::string first_message;

  double per_thousand() const {
    return rounds == 0 ? 0 : 1000.0 * static_cast<double>(failures) / static_cast<double>(rounds);
  }
};

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = a + 0x9E3779B97F4A7C15ULL * (b + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return z == 0 ? 1 : z;  // 0 would mean "pick a seed"
}

tally measure(const variant& v, void (*round)(), bool inject, const settings& s) {
  tally t;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t k = 0; t.rounds < s.rounds; ++k) {
    weft::stress::options o;
    o.iterations = s.rounds - t.rounds;
    o.seed = mix(s.seed, k);
    o.inject = inject;
    o.delays.probability = s.probability;
    o.hang_seconds = v.hang_seconds;
    o.use_environment = false;
    o.name = v.name;
    const weft::stress::report r = weft::stress::run(o, round);
    t.rounds += r.iterations;
    if (!r.ok()) {
      ++t.failures;
      ++t.kinds[std::string(weft::stress::to_string(r.kind))];
      if (t.first_message.empty()) t.first_message = r.message;
    }
  }
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return t;
}

std::string kinds_text(const tally& t) {
  std::string out;
  for (const auto& [kind, n] : t.kinds) {
    if (!out.empty()) out += ", ";
    out += kind + " " + std::to_string(n);
  }
  return out.empty() ? "—" : out;
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "weft_stress_rates: %s\n"
               "usage: weft_stress_rates [--rounds N] [--seed S] [--probability P] [--only NAME]\n",
               why);
  std::exit(2);
}

settings parse(int argc, char** argv) {
  settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage("missing value");
      return argv[++i];
    };
    if (a == "--rounds") {
      s.rounds = std::strtoull(value(), nullptr, 10);
      if (s.rounds == 0) usage("--rounds must be > 0");
    } else if (a == "--seed") {
      s.seed = std::strtoull(value(), nullptr, 0);
    } else if (a == "--probability") {
      s.probability = std::strtod(value(), nullptr);
    } else if (a == "--only") {
      s.only = value();
      if (weft::stress_variants::find(s.only) == nullptr) usage("unknown variant");
    } else if (a == "-h" || a == "--help") {
      usage("measures failures per 1,000 rounds with and without delay injection");
    } else {
      usage("unknown argument");
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const settings s = parse(argc, argv);
#if defined(NDEBUG)
  const char* build = "optimised (NDEBUG)";
#else
  const char* build = "debug (assertions on)";
#endif
  std::printf(
      "weft_stress_rates: %zu rounds per cell, seed %llu, injection probability %.3g, "
      "%s build, compiler %s\n\n",
      s.rounds, static_cast<unsigned long long>(s.seed), s.probability, build, __VERSION__);
  std::printf(
      "| variant | bug | failing rounds show as | failures / 1,000 rounds, no injection | "
      "failures / 1,000 rounds, with injection | fixed twin, with injection | "
      "time (no inj. / inj.) |\n");
  std::printf("|---|---|---|---:|---:|---:|---:|\n");
  std::fflush(stdout);

  bool fixed_failed = false;
  std::string notes;
  for (const variant& v : weft::stress_variants::all()) {
    if (!s.only.empty() && s.only != v.name) continue;
    const tally plain = measure(v, v.broken, false, s);
    const tally injected = measure(v, v.broken, true, s);
    const tally fixed = measure(v, v.fixed, true, s);
    std::printf("| `%s` | %s | %s | %.1f | %.1f | %.1f | %.1f s / %.1f s |\n", v.name, v.bug,
                v.symptom, plain.per_thousand(), injected.per_thousand(), fixed.per_thousand(),
                plain.seconds, injected.seconds);
    std::fflush(stdout);
    if (fixed.failures != 0) {
      fixed_failed = true;
      notes += std::string("fixed twin of ") + v.name + " failed: " + kinds_text(fixed) + ": " +
               fixed.first_message + "\n";
    }
  }
  if (!notes.empty()) std::printf("\n%s", notes.c_str());
  return fixed_failed ? 1 : 0;
}
