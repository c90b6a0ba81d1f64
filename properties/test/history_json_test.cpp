// JSON, value encodings and JSON Lines histories: round trips, canonical text, and the
// errors a malformed file produces.
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "weft/history.hpp"
#include "weft/prop/json.hpp"
#include "weft/prop/values.hpp"

namespace {

using weft::prop::json::value;

TEST(Json, ParsesAndDumpsCanonically) {
  const value v = value::parse(R"( { "a" : [1, -2.5e3, true, null, "x\ny\u00e9"], "b": {} } )");
  EXPECT_EQ(v.dump(), R"({"a":[1,-2.5e3,true,null,"x\ny)"
                      "\xC3\xA9"
                      R"("],"b":{}})");
  ASSERT_NE(v.find("a"), nullptr);
  EXPECT_EQ(v.find("a")->as_array()[0].as_int(), 1);
  EXPECT_DOUBLE_EQ(v.find("a")->as_array()[1].as_double(), -2500.0);
  EXPECT_EQ(v.find("missing"), nullptr);
  EXPECT_EQ(value::parse(v.dump()), v);
}

TEST(Json, BigIntegersSurviveExactly) {
  const std::uint64_t big = std::numeric_limits<std::uint64_t>::max() - 1;
  const value v = value::parse(std::to_string(big));
  EXPECT_EQ(v.as_uint(), big);
  EXPECT_THROW((void)v.as_int(), std::invalid_argument);
}

TEST(Json, RejectsMalformedInput) {
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"abc", "tru", "[1] 2",
                          "\"\\q\"", "{\"a\":1,}", "-"}) {
    EXPECT_THROW(value::parse(bad), weft::prop::json::parse_error) << bad;
  }
}

TEST(Values, ShowFormsAreReadable) {
  using weft::prop::show;
  EXPECT_EQ(show(3), "3");
  EXPECT_EQ(show(true), "true");
  EXPECT_EQ(show(std::string("a\"b")), "\"a\\\"b\"");
  EXPECT_EQ(show(std::optional<int>{}), "nullopt");
  EXPECT_EQ(show(std::optional<int>{4}), "4");
  EXPECT_EQ(show(std::vector<int>{1, 2}), "[1, 2]");
  EXPECT_EQ(show(std::map<int, bool>{{1, true}}), "{1: true}");
  EXPECT_EQ(show(std::make_tuple(1, std::string("x"))), "(1, \"x\")");
  EXPECT_EQ(show(std::uint8_t{7}), "7");
  EXPECT_EQ(show(weft::prop::unit{}), "void");
}

enum class color { red = 1, green = 2 };

struct point {
  int x, y;
  bool operator==(const point&) const = default;
};

}  // namespace

template <>
struct weft::prop::codec<point> {
  static void encode(std::string& out, const point& p) {
    out += "{\"x\":" + std::to_string(p.x) + ",\"y\":" + std::to_string(p.y) + "}";
  }
  static point decode(const json::value& j) {
    return {static_cast<int>(j.find("x")->as_int()), static_cast<int>(j.find("y")->as_int())};
  }
};
template <>
struct weft::prop::printer<point> {
  static void print(std::ostream& os, const point& p) { os << "<" << p.x << "," << p.y << ">"; }
};

namespace {

template <class T>
void round_trip(const T& v, const std::string& expected_json) {
  const std::string j = weft::prop::encode_json(v);
  EXPECT_EQ(j, expected_json);
  EXPECT_EQ(weft::prop::decode_json<T>(value::parse(j)), v) << j;
}

TEST(Values, JsonRoundTrips) {
  round_trip(42, "42");
  round_trip(-7L, "-7");
  round_trip(true, "true");
  round_trip(std::string("hi\n"), "\"hi\\n\"");
  round_trip(std::optional<int>{}, "null");
  round_trip(std::optional<int>{5}, "5");
  round_trip(std::vector<int>{1, 2, 3}, "[1,2,3]");
  round_trip(std::deque<std::string>{"a"}, "[\"a\"]");
  round_trip(std::set<int>{3, 1}, "[1,3]");
  round_trip(std::make_pair(1, std::string("b")), "[1,\"b\"]");
  round_trip(std::make_tuple(1, false, std::optional<int>{}), "[1,false,null]");
  round_trip(color::green, "2");
  round_trip(point{1, 2}, "{\"x\":1,\"y\":2}");
  round_trip(std::map<int, int>{{1, 2}}, "[[1,2]]");
  EXPECT_EQ(weft::prop::show(point{1, 2}), "<1,2>");
}

TEST(Values, TypesWithoutCodecAreWrittenAsTheirShownText) {
  struct opaque {
    bool operator==(const opaque&) const { return true; }
  };
  EXPECT_EQ(weft::prop::encode_json(opaque{}), "\"<unprintable>\"");
  EXPECT_THROW((void)weft::prop::decode_json<opaque>(value::parse("1")), std::invalid_argument);
}

TEST(Values, HashesAreStructural) {
  using weft::prop::hash_value;
  EXPECT_EQ(hash_value(std::deque<int>{1, 2}), hash_value(std::deque<int>{1, 2}));
  EXPECT_NE(hash_value(std::deque<int>{1, 2}), hash_value(std::deque<int>{2, 1}));
  EXPECT_NE(hash_value(std::map<int, int>{{1, 2}}), hash_value(std::map<int, int>{{1, 3}}));
  EXPECT_TRUE((weft::prop::is_hashable_v<std::map<int, std::vector<int>>>));
  EXPECT_FALSE(weft::prop::is_hashable_v<point>);
  EXPECT_EQ(hash_value(point{1, 2}), 0u);  // no hash: the checker falls back to ==
}

TEST(History, JsonLinesRoundTripWithPendingOperations) {
  auto op = [](int thread, const char* name, const char* args, const char* result,
               std::uint64_t invoke, std::uint64_t ret) {
    weft::prop::operation o;
    o.thread = thread;
    o.op = name;
    o.args = args;
    o.result = result;
    o.invoke = invoke;
    o.ret = ret;
    return o;
  };
  const weft::prop::history h = {op(1, "push", "[3]", "true", 0, 4), op(2, "pop", "[]", "3", 1, 5),
                                 op(2, "pop", "[]", "null", 6, weft::prop::never)};
  const std::string text = weft::prop::to_jsonl(h);
  EXPECT_EQ(
      text,
      "{\"thread\":1,\"op\":\"push\",\"args\":[3],\"result\":true,\"invoke\":0,\"return\":4}\n"
      "{\"thread\":2,\"op\":\"pop\",\"args\":[],\"result\":3,\"invoke\":1,\"return\":5}\n"
      "{\"thread\":2,\"op\":\"pop\",\"args\":[],\"result\":null,\"invoke\":6,\"return\":null}\n");
  const auto back = weft::prop::parse_jsonl(text);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_TRUE(back[2].pending());
  EXPECT_EQ(back[0].ret, 4u);
  EXPECT_EQ(weft::prop::to_jsonl(back), text);
  EXPECT_EQ(weft::prop::describe(back[0]), "push(3) -> true");
  EXPECT_NE(weft::prop::format_history(back).find("(pending)"), std::string::npos);
}

TEST(History, ToleratesExtraFieldsAndBlankLines) {
  const auto h = weft::prop::parse_jsonl(
      "\n{\"invoke\":1,\"return\":2,\"thread\":0,\"op\":\"x\",\"extra\":{\"a\":1}}\n  \n");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].args, "[]");
  EXPECT_EQ(h[0].result, "null");
}

TEST(History, MalformedLinesNameTheLine) {
  const char* cases[] = {
      "{\"thread\":1,\"op\":\"a\",\"invoke\":0,\"return\":1}\nnot json\n",
      "{\"thread\":1,\"op\":\"a\",\"invoke\":0,\"return\":1}\n{\"op\":\"a\",\"invoke\":0,"
      "\"return\":1}\n",
      "{\"thread\":1,\"op\":\"a\",\"invoke\":0,\"return\":1}\n{\"thread\":1,\"op\":\"a\","
      "\"invoke\":5,\"return\":1}\n",
  };
  for (const char* text : cases) {
    try {
      (void)weft::prop::parse_jsonl(text);
      ADD_FAILURE() << "no error for " << text;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
