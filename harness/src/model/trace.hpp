// trace.hpp — the record of one execution, formatted as a table on failure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weft/sync/source_loc.hpp"

namespace weft::model::detail {

struct trace_event {
  std::uint64_t step;
  std::uint32_t thread;
  const char* operation;  // static string, e.g. "mutex.lock"
  std::uint32_t object;   // index into the execution's objects, or none
  std::uint64_t value;
  bool has_value;
  source_loc loc;
  static constexpr std::uint32_t no_object = 0xFFFFFFFFu;
};

struct trace_row {
  std::string step, thread, operation, object, value, location;
};

// Renders rows as an aligned text table with a header.
std::string format_table(const std::vector<trace_row>& rows);

// "dir/file.cpp:12" with the directory shortened to its last component.
std::string short_location(source_loc loc);

}  // namespace weft::model::detail
