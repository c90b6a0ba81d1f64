// weft/prop/values.hpp — how arguments, results and model states are shown, written as
// JSON, and hashed.
//
// The property layer needs three things from the value types a user's operations take
// and return, and from the model state:
//
//   show(v)         text for reports: "3", "\"key\"", "nullopt", "[1, 2]", "(1, true)"
//   encode_json(v)  JSON text for history files; decode_json<T>(j) reads it back
//   hash_value(v)   a hash for the checker's memo table (model states)
//
// Built in: bool, integers, floating point, enums, std::string(_view), char, std::optional,
// std::pair, std::tuple, std::variant (show only), ranges (vector, deque, list, set, ...)
// and maps; anything with an operator<< is shown with it. To customise a type of yours,
// specialise one of these (all members static):
//
//   template <> struct weft::prop::printer<my_type> {
//     static void print(std::ostream& os, const my_type& v);
//   };
//   template <> struct weft::prop::codec<my_type> {
//     static void encode(std::string& out, const my_type& v);   // append JSON text
//     static my_type decode(const weft::prop::json::value& j);
//   };
//   template <> struct weft::prop::hasher<my_type> {
//     static std::size_t hash(const my_type& v);
//   };
//
// A type without a JSON codec is written as the JSON string of show(v); such a value can
// be compared after reading back but not decoded (re-checking a saved history needs the
// arguments decoded, so give argument types a codec if they are not built-in). A state
// type without a hash still works — it hashes to 0 and the checker falls back to ==.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "weft/prop/json.hpp"

namespace weft::prop {

// Customisation points (see above). The primary templates are empty.
template <class T>
struct printer {};
template <class T>
struct codec {};
template <class T>
struct hasher {};

// The result of an operation that returns nothing.
struct unit {
  friend bool operator==(unit, unit) { return true; }
};

namespace detail {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_pair : std::false_type {};
template <class A, class B>
struct is_pair<std::pair<A, B>> : std::true_type {};

template <class T>
struct is_tuple : std::false_type {};
template <class... Ts>
struct is_tuple<std::tuple<Ts...>> : std::true_type {};

template <class T>
struct is_variant : std::false_type {};
template <class... Ts>
struct is_variant<std::variant<Ts...>> : std::true_type {};

template <class T>
concept custom_printer = requires(std::ostream& os, const T& v) {
  printer<T>::print(os, v);
};
template <class T>
concept custom_codec = requires(std::string& out, const T& v, const json::value& j) {
  codec<T>::encode(out, v);
  { codec<T>::decode(j) } -> std::convertible_to<T>;
};
template <class T>
concept custom_hasher = requires(const T& v) {
  { hasher<T>::hash(v) } -> std::convertible_to<std::size_t>;
};
template <class T>
concept streamable = requires(std::ostream& os, const T& v) {
  os << v;
};
template <class T>
concept std_hashable = requires(const T& v) {
  { std::hash<T>{}(v) } -> std::convertible_to<std::size_t>;
};
template <class T>
concept string_like =
    std::is_convertible_v<const T&, std::string_view> && !std::is_same_v<T, std::nullptr_t>;
template <class T>
concept range = requires(const T& v) {
  std::begin(v);
  std::end(v);
}
&&!string_like<T>;
template <class T>
concept map_like = range<T> && requires {
  typename T::key_type;
  typename T::mapped_type;
};
template <class T>
concept tuple_like = is_pair<T>::value || is_tuple<T>::value;

}  // namespace detail

// --- show ----------------------------------------------------------------------------------

template <class T>
void show_to(std::ostream& os, const T& v);

namespace detail {
template <class Tuple, std::size_t... I>
void show_tuple(std::ostream& os, const Tuple& t, std::index_sequence<I...>) {
  os << '(';
  ((os << (I == 0 ? "" : ", "), show_to(os, std::get<I>(t))), ...);
  os << ')';
}

inline void show_quoted(std::ostream& os, std::string_view s) {
  std::string q;
  json::write_string(q, s);
  os << q;
}
}  // namespace detail

// Writes a readable form of `v`: a printer<T> specialisation, else the built-in form for
// standard types, else operator<<, else "<unprintable>".
template <class T>
void show_to(std::ostream& os, const T& v) {
  if constexpr (detail::custom_printer<T>) {
    printer<T>::print(os, v);
  } else if constexpr (std::is_same_v<T, unit>) {
    os << "void";
  } else if constexpr (std::is_same_v<T, bool>) {
    os << (v ? "true" : "false");
  } else if constexpr (std::is_same_v<T, char>) {
    os << '\'' << v << '\'';
  } else if constexpr (std::is_integral_v<T>) {
    if constexpr (sizeof(T) == 1) {
      os << static_cast<int>(v);
    } else {
      os << v;
    }
  } else if constexpr (detail::string_like<T>) {
    detail::show_quoted(os, std::string_view(v));
  } else if constexpr (std::is_same_v<T, std::nullopt_t>) {
    os << "nullopt";
  } else if constexpr (detail::is_optional<T>::value) {
    if (v) {
      show_to(os, *v);
    } else {
      os << "nullopt";
    }
  } else if constexpr (detail::streamable<T>) {  // floating point among them
    os << v;
  } else if constexpr (std::is_enum_v<T>) {
    os << static_cast<std::underlying_type_t<T>>(v);
  } else if constexpr (detail::tuple_like<T>) {
    detail::show_tuple(os, v, std::make_index_sequence<std::tuple_size_v<T>>{});
  } else if constexpr (detail::is_variant<T>::value) {
    std::visit([&](const auto& x) { show_to(os, x); }, v);
  } else if constexpr (detail::map_like<T>) {
    os << '{';
    bool first = true;
    for (const auto& [k, m] : v) {
      os << (first ? "" : ", ");
      first = false;
      show_to(os, k);
      os << ": ";
      show_to(os, m);
    }
    os << '}';
  } else if constexpr (detail::range<T>) {
    os << '[';
    bool first = true;
    for (const auto& x : v) {
      os << (first ? "" : ", ");
      first = false;
      show_to(os, x);
    }
    os << ']';
  } else {
    os << "<unprintable>";
  }
}

// True when show() has a real form for T (not "<unprintable>").
template <class T>
constexpr bool showable() {
  if constexpr (detail::custom_printer<T> || std::is_arithmetic_v<T> || std::is_enum_v<T> ||
                detail::string_like<T> || detail::streamable<T> || std::is_same_v<T, unit> ||
                std::is_same_v<T, std::nullopt_t> || detail::is_variant<T>::value) {
    return true;
  } else if constexpr (detail::is_optional<T>::value) {
    return showable<typename T::value_type>();
  } else if constexpr (detail::tuple_like<T>) {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      return (showable<std::remove_cv_t<std::tuple_element_t<I, T>>>() && ...);
    }
    (std::make_index_sequence<std::tuple_size_v<T>>{});
  } else if constexpr (detail::range<T>) {
    return showable<std::remove_cv_t<typename T::value_type>>();
  } else {
    return false;
  }
}
template <class T>
inline constexpr bool is_showable_v = showable<T>();

template <class T>
std::string show(const T& v) {
  std::ostringstream os;
  show_to(os, v);
  return os.str();
}

// --- JSON ----------------------------------------------------------------------------------

template <class T>
void encode_json(std::string& out, const T& v);

namespace detail {
template <class Tuple, std::size_t... I>
void encode_tuple(std::string& out, const Tuple& t, std::index_sequence<I...>) {
  out += '[';
  ((out += (I == 0 ? "" : ","), encode_json(out, std::get<I>(t))), ...);
  out += ']';
}
}  // namespace detail

// Appends JSON text for `v` (see the header comment for the mapping).
template <class T>
void encode_json(std::string& out, const T& v) {
  if constexpr (detail::custom_codec<T>) {
    codec<T>::encode(out, v);
  } else if constexpr (std::is_same_v<T, unit> || std::is_same_v<T, std::nullopt_t>) {
    out += "null";
  } else if constexpr (std::is_same_v<T, bool>) {
    out += v ? "true" : "false";
  } else if constexpr (std::is_same_v<T, char>) {
    json::write_string(out, std::string_view(&v, 1));
  } else if constexpr (std::is_integral_v<T>) {
    out += std::to_string(v);
  } else if constexpr (std::is_enum_v<T>) {
    out += std::to_string(static_cast<std::underlying_type_t<T>>(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    std::ostringstream os;
    os.precision(17);
    os << v;
    out += os.str();
  } else if constexpr (detail::string_like<T>) {
    json::write_string(out, std::string_view(v));
  } else if constexpr (detail::is_optional<T>::value) {
    if (v) {
      encode_json(out, *v);
    } else {
      out += "null";
    }
  } else if constexpr (detail::tuple_like<T>) {
    detail::encode_tuple(out, v, std::make_index_sequence<std::tuple_size_v<T>>{});
  } else if constexpr (detail::range<T> && !detail::streamable<T>) {
    out += '[';
    bool first = true;
    for (const auto& x : v) {
      if (!first) out += ',';
      first = false;
      encode_json(out, x);
    }
    out += ']';
  } else {
    json::write_string(out, show(v));
  }
}

template <class T>
std::string encode_json(const T& v) {
  std::string out;
  encode_json(out, v);
  return out;
}

template <class T>
T decode_json(const json::value& j);

namespace detail {
[[noreturn]] inline void no_decoder(const char* why) {
  throw std::invalid_argument(std::string("cannot decode this JSON value: ") + why +
                              " (specialise weft::prop::codec<T> for the type)");
}

template <class Tuple, std::size_t... I>
Tuple decode_tuple(const json::value& j, std::index_sequence<I...>) {
  const auto& a = j.as_array();
  if (a.size() != sizeof...(I)) no_decoder("array length does not match the tuple");
  return Tuple(decode_json<std::tuple_element_t<I, Tuple>>(a[I])...);
}

template <class C>
concept back_insertable = requires(C& c, typename C::value_type v) {
  c.push_back(std::move(v));
};
template <class C>
concept insertable = requires(C& c, typename C::value_type v) {
  c.insert(std::move(v));
};
}  // namespace detail

// Reads back what encode_json wrote; throws std::invalid_argument if the JSON does not fit
// T or T has no decoder.
template <class T>
T decode_json(const json::value& j) {
  if constexpr (detail::custom_codec<T>) {
    return codec<T>::decode(j);
  } else if constexpr (std::is_same_v<T, unit>) {
    return unit{};
  } else if constexpr (std::is_same_v<T, bool>) {
    return j.as_bool();
  } else if constexpr (std::is_same_v<T, char>) {
    const std::string& s = j.as_string();
    if (s.size() != 1) detail::no_decoder("a char must be a one-character string");
    return s[0];
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    return static_cast<T>(j.as_int());
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(j.as_uint());
  } else if constexpr (std::is_enum_v<T>) {
    return static_cast<T>(decode_json<std::underlying_type_t<T>>(j));
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(j.as_double());
  } else if constexpr (std::is_same_v<T, std::string>) {
    return j.as_string();
  } else if constexpr (detail::is_optional<T>::value) {
    if (j.is_null()) return T{};
    return T(decode_json<typename T::value_type>(j));
  } else if constexpr (detail::tuple_like<T>) {
    return detail::decode_tuple<T>(j, std::make_index_sequence<std::tuple_size_v<T>>{});
  } else if constexpr (detail::range<T> && std::is_default_constructible_v<T> &&
                       (detail::back_insertable<T> || detail::insertable<T>)) {
    T out;
    using elem = std::remove_cv_t<typename T::value_type>;
    for (const auto& x : j.as_array()) {
      if constexpr (detail::back_insertable<T>) {
        out.push_back(decode_json<elem>(x));
      } else {
        out.insert(decode_json<elem>(x));
      }
    }
    return out;
  } else {
    detail::no_decoder("no built-in decoder for this type");
  }
}

// --- hashing -------------------------------------------------------------------------------

inline std::size_t hash_combine(std::size_t seed, std::size_t h) noexcept {
  return seed ^ (h + 0x9E3779B97F4A7C15ULL + (seed << 6) + (seed >> 2));
}

template <class T>
std::size_t hash_value(const T& v);

namespace detail {
template <class T>
constexpr bool has_builtin_hash() {
  if constexpr (custom_hasher<T> || std_hashable<T>) {
    return true;
  } else if constexpr (is_optional<T>::value) {
    return has_builtin_hash<typename T::value_type>();
  } else if constexpr (is_pair<T>::value) {
    return has_builtin_hash<std::remove_cv_t<typename T::first_type>>() &&
           has_builtin_hash<std::remove_cv_t<typename T::second_type>>();
  } else if constexpr (is_tuple<T>::value) {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      return (has_builtin_hash<std::remove_cv_t<std::tuple_element_t<I, T>>>() && ...);
    }
    (std::make_index_sequence<std::tuple_size_v<T>>{});
  } else if constexpr (range<T>) {
    return has_builtin_hash<std::remove_cv_t<typename T::value_type>>();
  } else {
    return false;
  }
}
}  // namespace detail

// True when hash_value<T> computes a real hash (not the constant fallback).
template <class T>
inline constexpr bool is_hashable_v = detail::has_builtin_hash<T>();

// A hash of `v`: hasher<T>, else std::hash<T>, else structural for optional, pair, tuple
// and ranges (maps included), else 0 (still correct: the memo table compares with ==).
template <class T>
std::size_t hash_value(const T& v) {
  if constexpr (detail::custom_hasher<T>) {
    return hasher<T>::hash(v);
  } else if constexpr (detail::std_hashable<T>) {
    return std::hash<T>{}(v);
  } else if constexpr (detail::is_optional<T>::value) {
    return v ? hash_combine(1, hash_value(*v)) : 0x51ED270B27ULL;
  } else if constexpr (detail::tuple_like<T>) {
    std::size_t h = 0x7A11;
    std::apply([&](const auto&... xs) { ((h = hash_combine(h, hash_value(xs))), ...); }, v);
    return h;
  } else if constexpr (detail::range<T>) {
    std::size_t h = 0xC0FFEE;
    for (const auto& x : v) {
      h = hash_combine(h, hash_value(x));
    }
    return h;
  } else {
    return 0;
  }
}

}  // namespace weft::prop
