// fuzz.cpp — weft::fuzz: the fuzzed-execution driver and the interleaving signal.
#include "weft/fuzz.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "weft/sync.hpp"

namespace weft::fuzz {

namespace {

// libFuzzer's extra counters: it finds this section through the linker-made
// __start___libfuzzer_extra_counters / __stop___libfuzzer_extra_counters symbols, clears
// it before every input and turns every non-zero byte into a feature (bucketed by count,
// like edge counters). Outside libFuzzer nobody reads it. 16 KiB: a few thousand distinct
// features per target is plenty, and collisions only merge features.
constexpr std::size_t kCounters = 1u << 14;
__attribute__((used, section("__libfuzzer_extra_counters"))) std::uint8_t counters[kCounters];

bool read_signal_flag() noexcept {
  const char* v = std::getenv("WEFT_FUZZ_SIGNAL");  // NOLINT(concurrency-mt-unsafe)
  return v == nullptr || std::string_view(v) != "0";
}

std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept {
  h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
  h *= 0xBF58476D1CE4E5B9ULL;
  return h ^ (h >> 31);
}

}  // namespace

weft::model::options default_options(std::string_view name) {
  weft::model::options o;
  o.max_steps = 20000;
  o.spurious_wakeups = true;
  o.use_environment = false;
  o.stack_size = std::size_t{64} * 1024;  // fuzz bodies are shallow; smaller stacks map faster
  o.name = std::string(name);
  // run_decisions does not read the environment; this one knob is worth having when a
  // crash needs reading: the whole interleaving instead of its last steps.
  const char* trace = std::getenv("WEFT_TRACE");  // NOLINT(concurrency-mt-unsafe)
  o.full_trace = trace != nullptr && std::string_view(trace) == "full";
  return o;
}

std::vector<std::uint8_t> schedule_bytes(FuzzedDataProvider& in) {
  return in.ConsumeRemainingBytes<std::uint8_t>();
}

void run(std::span<const std::uint8_t> schedule, const std::function<void()>& body,
         const weft::model::options& opts, const std::function<std::string()>& describe_program) {
  const weft::model::report r = weft::model::run_decisions(opts, schedule, body);
  if (!r.ok()) fail(r, opts.name, describe_program ? describe_program() : std::string());
}

void fail(const weft::model::report& report, std::string_view target, std::string_view program) {
  std::cerr << "\n==== weft fuzz: " << (target.empty() ? "target" : target)
            << ": the execution failed ====\n";
  if (!program.empty()) std::cerr << "program:\n" << program << "\n";
  std::cerr << report
            << "The input that produced it reproduces it in any build of this target "
               "(e.g. `<target> <input-file>`);\nthe replay token reproduces the schedule "
               "under weft::model::check (options.replay or WEFT_REPLAY).\n"
            << std::flush;
  std::abort();
}

void fail(std::string_view message) {
  std::cerr << "\n==== weft fuzz: invariant violated ====\n" << message << "\n" << std::flush;
  std::abort();
}

std::uint32_t thread_index() noexcept {
  if (!weft::model::active()) return 0;
  return static_cast<std::uint32_t>(weft::this_thread::get_id());
}

bool signal_enabled() noexcept {
  static const bool enabled = read_signal_flag();
  return enabled;
}

void observe(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) noexcept {
  if (!signal_enabled()) return;
  const std::uint64_t h = mix(mix(mix(mix(0x5EED, a), b), c), d);
  std::uint8_t& slot = counters[h & (kCounters - 1)];
  if (slot != 0xFF) ++slot;
}

std::size_t features_seen() noexcept {
  std::size_t n = 0;
  for (const std::uint8_t c : counters) {
    n += c != 0 ? 1 : 0;
  }
  return n;
}

}  // namespace weft::fuzz
