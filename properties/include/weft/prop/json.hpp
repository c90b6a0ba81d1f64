// weft/prop/json.hpp — the little JSON the property layer needs, without a dependency.
//
// Histories are kept as JSON Lines (one operation per line, see <weft/history.hpp>), and
// operation arguments and results are JSON values. This is a small, strict reader and a
// compact writer for exactly that: null, true/false, numbers, strings, arrays, objects.
//
// Numbers keep their source text (so 64-bit integers round-trip exactly and a value read
// back prints as it was written); `dump()` is canonical — compact, no spaces, members in
// their original order — so two values are equal iff their dumps are.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::prop::json {

// Thrown by parse() with the offset of the first bad character.
class parse_error : public std::runtime_error {
 public:
  parse_error(const std::string& what, std::size_t offset)
      : std::runtime_error(what + " at offset " + std::to_string(offset)), offset_(offset) {}
  std::size_t offset() const noexcept { return offset_; }

 private:
  std::size_t offset_;
};

class value {
 public:
  enum class kind : std::uint8_t { null, boolean, number, string, array, object };
  using array_t = std::vector<value>;
  using object_t = std::vector<std::pair<std::string, value>>;

  value() = default;  // null
  static value make_bool(bool b);
  static value make_number(std::string text);  // text must be a JSON number
  static value make_string(std::string s);
  static value make_array(array_t items);
  static value make_object(object_t members);

  kind type() const noexcept { return kind_; }
  bool is_null() const noexcept { return kind_ == kind::null; }
  bool is_bool() const noexcept { return kind_ == kind::boolean; }
  bool is_number() const noexcept { return kind_ == kind::number; }
  bool is_string() const noexcept { return kind_ == kind::string; }
  bool is_array() const noexcept { return kind_ == kind::array; }
  bool is_object() const noexcept { return kind_ == kind::object; }

  // Accessors throw std::invalid_argument when the value has another kind.
  bool as_bool() const;
  const std::string& number_text() const;  // the number as written
  std::int64_t as_int() const;             // integral numbers only
  std::uint64_t as_uint() const;
  double as_double() const;
  const std::string& as_string() const;
  const array_t& as_array() const;
  const object_t& as_object() const;

  // Member of an object, or null when absent.
  const value* find(std::string_view key) const;

  // Compact canonical text.
  std::string dump() const;
  void dump_to(std::string& out) const;

  // Parses exactly one value (surrounding whitespace allowed).
  static value parse(std::string_view text);

  friend bool operator==(const value& a, const value& b) { return a.dump() == b.dump(); }

 private:
  kind kind_ = kind::null;
  bool bool_ = false;
  std::string text_;  // number text or string contents
  array_t array_;
  object_t object_;
};

// Appends `s` as a quoted JSON string with the required escapes.
void write_string(std::string& out, std::string_view s);

}  // namespace weft::prop::json
