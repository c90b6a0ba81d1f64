// weft/assert.hpp — WEFT_ASSERT(cond): an assertion the checkers understand.
//
// In model mode a failed WEFT_ASSERT fails the current execution with kind `assertion`,
// the condition's text and its source line, and the checker reports the interleaving
// and a replay token. Under stress it fails the run with the seed. Elsewhere it prints
// the condition and location and aborts. It is never compiled out.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "weft/sync/source_loc.hpp"
#if defined(WEFT_RELACY)
#include "weft/relacy/session.hpp"
#elif !defined(WEFT_NATIVE)
#include "weft/sync/runtime.hpp"
#endif

namespace weft::detail {

[[noreturn]] inline void assert_failed(const char* text, source_loc loc) {
#if defined(WEFT_RELACY)
  // Relacy flavour: fails the iteration as RL_ASSERT does ("USER ASSERT FAILED").
  if (relacy::detail::in_simulation()) {
    relacy::detail::fail(text, rl::test_result_user_assert_failed, loc);
  }
#elif !defined(WEFT_NATIVE)
  if (auto* rt = active_runtime()) {
    rt->report_failure(text, loc, true);  // throws when the backend handles it
  }
#endif
  std::fprintf(stderr, "%s:%u: WEFT_ASSERT(%s) failed\n", loc.file, loc.line, text);
  std::abort();
}

}  // namespace weft::detail

#define WEFT_ASSERT(cond)        \
  ((cond) ? static_cast<void>(0) \
          : ::weft::detail::assert_failed(#cond, ::weft::source_loc::current()))
