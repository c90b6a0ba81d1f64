// stress_suite.hpp — what the primitives' stress suites share.
//
//   * budget(name, rounds): the options of a suite — `rounds` rounds by default, scaled
//     by the environment for nightly jobs (see below);
//   * item: the value type of the channel suites; it carries its producer, its sequence
//     number and a fingerprint of both, and a moved-from item loses its fingerprint, so
//     a consumer can tell a torn, duplicated or moved-from value;
//   * exactly_once(): after a round, checks what the consumers received against what
//     the producers sent — every item exactly once, intact, in order per producer as
//     seen by each consumer — and returns the first problem as text;
//   * expect_clean(text): fails the round (and so the run's report) with that text.
//
// Knobs: WEFT_STRESS_ITERATIONS sets the rounds of every suite; WEFT_STRESS_SECONDS
// alone runs every suite for that long (rounds unlimited); both: whichever ends first;
// WEFT_SEED fixes the seed (otherwise each run picks one and a failure prints it).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "weft/gtest.hpp"
#include "weft/stress.hpp"
#include "weft/sync.hpp"

namespace weft::stress_suite {

inline weft::stress::options budget(std::string name, std::size_t rounds) {
  weft::stress::options o;
  o.name = std::move(name);
  o.iterations = rounds;
  o.hang_seconds = 20;
  const char* seconds = std::getenv("WEFT_STRESS_SECONDS");        // NOLINT(concurrency-mt-unsafe)
  const char* iterations = std::getenv("WEFT_STRESS_ITERATIONS");  // NOLINT(concurrency-mt-unsafe)
  if (seconds != nullptr && seconds[0] != '\0' &&
      (iterations == nullptr || iterations[0] == '\0')) {
    o.iterations = 0;  // time-bounded: the runner reads WEFT_STRESS_SECONDS itself
  }
  return o;
}

// The options of a run that must catch a deliberately broken component: a fixed seed and
// a bound on the rounds, both immune to the WEFT_STRESS_* knobs (a nightly time budget
// must not change what "caught within `rounds` rounds" means).
inline weft::stress::options mutant_budget(std::string name, std::size_t rounds, std::uint64_t seed,
                                           double hang_seconds = 20) {
  weft::stress::options o;
  o.name = std::move(name);
  o.iterations = rounds;
  o.seed = seed;
  o.hang_seconds = hang_seconds;
  o.use_environment = false;
  return o;
}

// Succeeds on a clean report; the message is the report either way (with the seed and
// the command to re-run the same delay decisions when it failed).
inline ::testing::AssertionResult passed(const weft::stress::report& r) {
  if (r.ok()) return ::testing::AssertionSuccess() << r;
  return ::testing::AssertionFailure() << r;
}

// Call after the round's last join. If another thread failed the round, this facade
// operation unwinds the round here, while its channels and contexts are still alive.
// Without it the body would return normally, and a destructor that has to wait (a
// context's timer join, a singleflight joining its flights' threads) could be stuck long
// enough for the runner to unwind it there — std::terminate instead of a report.
inline void unwind_if_failed() {
  weft::this_thread::yield();
}

// A short timeout: 0 (a deadline already passed), 20 us or 200 us.
inline std::chrono::microseconds short_timeout() {
  using namespace std::chrono_literals;
  static constexpr std::chrono::microseconds kTimeouts[] = {0us, 20us, 200us};
  return kTimeouts[weft::model::choose(3)];
}

// A thread that cancels after a random number (0..max_yields-1) of yields, so the
// cancellation lands anywhere in the round. Join it before the round ends.
template <class Cancel>
weft::thread cancel_soon(Cancel cancel, std::size_t max_yields = 20) {
  return weft::thread([cancel = std::move(cancel), max_yields] {
    for (std::size_t i = weft::model::choose(max_yields); i > 0; --i) {
      weft::this_thread::yield();
    }
    cancel();
  });
}

// Fails the current round with `problem` unless it is empty. Inside a stress run it goes
// to the runner only (which ends the run after the round and reports it with the seed),
// so a test that expects a mutant's run to fail can assert on the report; outside one it
// is a GoogleTest failure.
inline void expect_clean(const std::string& problem,
                         weft::source_loc loc = weft::source_loc::current()) {
  if (problem.empty()) return;
  if (weft::stress::active()) {
    weft::stress::fail(problem, loc);
  } else {
    ADD_FAILURE_AT(loc.file, static_cast<int>(loc.line)) << problem;
  }
}

inline std::uint64_t fingerprint(std::uint32_t producer, std::uint32_t seq) {
  std::uint64_t state = std::uint64_t{producer} << 32 | seq;
  return weft::model::detail::splitmix64(state) | 1;  // never 0: 0 marks a moved-from item
}

// A value sent through the channels under test.
struct item {
  std::uint32_t producer = 0;
  std::uint32_t seq = 0;
  std::uint64_t check = 0;  // fingerprint(producer, seq); 0 once moved from

  item() = default;
  item(std::uint32_t p, std::uint32_t s) : producer(p), seq(s), check(fingerprint(p, s)) {}
  item(const item&) = default;
  item& operator=(const item&) = default;
  item(item&& o) noexcept : producer(o.producer), seq(o.seq), check(std::exchange(o.check, 0)) {}
  item& operator=(item&& o) noexcept {
    producer = o.producer;
    seq = o.seq;
    check = std::exchange(o.check, 0);
    return *this;
  }
  ~item() = default;

  bool intact() const { return check == fingerprint(producer, seq); }
};

// Checks a round's deliveries. Producer p sent items 0 .. sent[p]-1 (the ones whose
// send succeeded); received[c] is what consumer c got, in the order it got them. With
// `fifo`, each consumer must see each producer's items in increasing order — what a
// FIFO channel guarantees when a producer's sends are sequential. Also compares the
// sums of fingerprints sent and received (a checksum over the whole round).
inline std::string exactly_once(const std::vector<std::size_t>& sent,
                                const std::vector<std::vector<item>>& received, bool fifo = true) {
  std::vector<std::vector<std::uint8_t>> seen(sent.size());
  std::uint64_t sum_sent = 0;
  std::uint64_t sum_received = 0;
  for (std::size_t p = 0; p < sent.size(); ++p) {
    seen[p].assign(sent[p], 0);
    for (std::size_t s = 0; s < sent[p]; ++s)
      sum_sent += fingerprint(static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(s));
  }
  for (std::size_t c = 0; c < received.size(); ++c) {
    std::vector<std::int64_t> last(sent.size(), -1);
    for (const item& it : received[c]) {
      const std::string where = "consumer " + std::to_string(c) + " got producer " +
                                std::to_string(it.producer) + " item " + std::to_string(it.seq);
      if (!it.intact())
        return where + " torn or moved-from (fingerprint " + std::to_string(it.check) + ")";
      if (it.producer >= sent.size() || it.seq >= sent[it.producer]) {
        return where + ", which was never sent successfully";
      }
      if (++seen[it.producer][it.seq] > 1) return where + " twice (duplicated)";
      if (fifo && static_cast<std::int64_t>(it.seq) <= last[it.producer]) {
        return where + " after item " + std::to_string(last[it.producer]) +
               " of the same producer (FIFO order broken)";
      }
      last[it.producer] = it.seq;
      sum_received += it.check;
    }
  }
  for (std::size_t p = 0; p < sent.size(); ++p) {
    for (std::size_t s = 0; s < sent[p]; ++s) {
      if (seen[p][s] == 0) {
        return "producer " + std::to_string(p) + " item " + std::to_string(s) +
               " was sent but never received (lost)";
      }
    }
  }
  if (sum_sent != sum_received) return "checksums of sent and received items differ";
  return {};
}

}  // namespace weft::stress_suite
