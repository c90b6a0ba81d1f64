// weft/sync/choose.hpp — weft::model::choose(n): explicit nondeterminism.
//
// Returns a value in [0, n). Under the model backend every value is a branch the search
// strategies explore (and the replay token records); elsewhere it is a pseudo-random
// choice from a per-thread generator seeded by WEFT_SEED (default fixed), so plain runs
// are reproducible too.
#pragma once

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

inline std::size_t plain_choose(std::size_t n) {
  thread_local std::uint64_t state = [] {
    const char* env = std::getenv("WEFT_SEED");  // NOLINT(concurrency-mt-unsafe)
    return env != nullptr ? std::strtoull(env, nullptr, 0) : 0x5EEDULL;
  }();
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
