// weft/sync/source_loc.hpp — where a facade operation was called from.
//
// Every facade operation takes a defaulted `source_loc` parameter so traces show the
// caller's file:line without any macro at the call site. __builtin_FILE/LINE work on
// g++ 12 and clang 14 alike (std::source_location needs clang 15 with libstdc++).
#pragma once

namespace weft {

struct source_loc {
  const char* file = "";
  unsigned line = 0;

  static constexpr source_loc current(const char* file = __builtin_FILE(),
                                      unsigned line = __builtin_LINE()) noexcept {
    return source_loc{file, line};
  }
};

}  // namespace weft
