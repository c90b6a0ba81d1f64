// weft/sync/choose.hpp — weft::model::choose(n): explicit nondeterminism.
//
// Returns a value in [0, n). Under the model backend every value is a branch the search
// strategies explore (and the replay token records); elsewhere it is a pseudo-random
// choice from a per-thread generator seeded by WEFT_SEED (default fixed) and the order in
// which threads first choose, so a plain single-threaded run is reproducible and threads
// draw independent sequences.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>

#include "weft/sync/source_loc.hpp"
#if defined(WEFT_RELACY)
#include "weft/relacy/session.hpp"
#elif !defined(WEFT_NATIVE)
#include "weft/sync/runtime.hpp"
#endif

namespace weft::model {

namespace detail {
inline std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The first state of the calling thread's generator: WEFT_SEED (default fixed), made
// distinct per thread by the order in which threads first choose — otherwise every thread
// would draw the same sequence, and "random" choices in concurrent code would be
// correlated across threads. The first thread draws WEFT_SEED's own sequence.
inline std::uint64_t plain_thread_seed() noexcept {
  static const std::uint64_t base = [] {
    const char* env = std::getenv("WEFT_SEED");  // NOLINT(concurrency-mt-unsafe)
    return env != nullptr ? std::strtoull(env, nullptr, 0) : 0x5EEDULL;
  }();
  static std::atomic<std::uint64_t> threads{0};
  const std::uint64_t ordinal = threads.fetch_add(1, std::memory_order_relaxed);
  return base ^ (ordinal * 0xD1B54A32D192ED03ULL);
}

inline std::size_t plain_choose(std::size_t n) {
  thread_local std::uint64_t state = plain_thread_seed();
  return static_cast<std::size_t>(splitmix64(state) % n);
}
}  // namespace detail

inline std::size_t choose(std::size_t n, source_loc loc = source_loc::current()) {
  if (n == 0) throw std::invalid_argument("weft::model::choose(0): no alternative to choose");
#if defined(WEFT_RELACY)
  // Relacy flavour: rl::rand, a choice point every Relacy scheduler explores.
  if (relacy::detail::in_simulation()) {
    (void)loc;
    return rl::rand(static_cast<unsigned>(n));
  }
#elif !defined(WEFT_NATIVE)
  if (auto* rt = weft::detail::active_runtime()) [[unlikely]] {
    return rt->choose(n, loc);
  }
#else
  (void)loc;
#endif
  return n == 1 ? 0 : detail::plain_choose(n);
}

}  // namespace weft::model
