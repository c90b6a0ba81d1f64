#include "model/trace.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace weft::model::detail {

std::string short_location(source_loc loc) {
  if (loc.file == nullptr || loc.file[0] == '\0') return "";
  std::string_view file(loc.file);
  // Keep the parent directory: "test/bank_test.cpp:42" reads better than a full path.
  const auto last = file.rfind('/');
  if (last != std::string_view::npos && last > 0) {
    const auto parent = file.rfind('/', last - 1);
    file.remove_prefix(parent == std::string_view::npos ? 0 : parent + 1);
  }
  return std::string(file) + ":" + std::to_string(loc.line);
}

std::string format_table(const std::vector<trace_row>& rows) {
  static constexpr std::array<const char*, 6> header = {"step",   "thread", "operation",
                                                        "object", "value",  "location"};
  std::array<std::size_t, 6> width{};
  for (std::size_t i = 0; i < header.size(); ++i) {
    width[i] = std::string_view(header[i]).size();
  }
  auto cells = [](const trace_row& r) {
    return std::array<const std::string*, 6>{&r.step,   &r.thread, &r.operation,
                                             &r.object, &r.value,  &r.location};
  };
  for (const auto& r : rows) {
    const auto c = cells(r);
    for (std::size_t i = 0; i < c.size(); ++i) {
      width[i] = std::max(width[i], c[i]->size());
    }
  }
  std::string out;
  auto line = [&](const std::array<std::string_view, 6>& c) {
    out += "  ";
    for (std::size_t i = 0; i < c.size(); ++i) {
      out += c[i];
      if (i + 1 < c.size()) out.append(width[i] - c[i].size() + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') {
      out.pop_back();
    }
    out += '\n';
  };
  line({header[0], header[1], header[2], header[3], header[4], header[5]});
  for (const auto& r : rows) {
    line({r.step, r.thread, r.operation, r.object, r.value, r.location});
  }
  return out;
}

}  // namespace weft::model::detail
