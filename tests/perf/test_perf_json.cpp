// The small JSON reader/writer of xtcp-perf.
#include <catch2/catch.hpp>

#include "tools/perf_json.h"

using namespace xtcp::perf;

TEST_CASE("JSON values of every kind parse", "[perf][json]") {
  const auto v = parse_json(R"( {"s":"a\"b\\c\u0041\n","n":-1.5e3,"t":true,"f":false,"z":null,"a":[1,[2],{}]} )");
  REQUIRE(v);
  CHECK(v->string_or("s", "") == "a\"b\\cA\n");
  CHECK(v->number_or("n", 0) == -1500);
  CHECK(v->bool_or("t", false));
  CHECK_FALSE(v->bool_or("f", true));
  CHECK(v->get("z")->kind == JsonValue::Kind::Null);
  CHECK(v->get("a")->items.size() == 3);
  CHECK(v->number_or("missing", 7) == 7);
  CHECK(v->number_or("s", 7) == 7);  // wrong type: the fallback
}

TEST_CASE("malformed JSON is refused", "[perf][json]") {
  for (const char* bad : {"", "{", "{\"a\"}", "{\"a\":}", "[1,]", "01x", "\"abc", "{\"a\":1}x", "tru", "-", "1.",
                          "\"\x01\""})
    CHECK_FALSE(parse_json(bad));
  std::string deep(100, '[');
  deep += std::string(100, ']');
  CHECK_FALSE(parse_json(deep));  // nesting limit
}

TEST_CASE("the writer produces JSON the reader reads back", "[perf][json]") {
  const std::string s = JsonWriter()
                            .field("text", "q\"uote\\\n\x01")
                            .field("d", 2.5)
                            .field("i", int64_t{-3})
                            .field("u", uint64_t{18446744073709551615ull})
                            .field("b", true)
                            .raw("arr", "[1,2]")
                            .str();
  const auto v = parse_json(s);
  REQUIRE(v);
  CHECK(v->string_or("text", "") == "q\"uote\\\n\x01");
  CHECK(v->number_or("d", 0) == 2.5);
  CHECK(v->number_or("i", 0) == -3);
  CHECK(v->bool_or("b", false));
  CHECK(v->get("arr")->items.size() == 2);
  CHECK(s.find("\"u\":18446744073709551615") != std::string::npos);
  CHECK(JsonWriter().str() == "{}");
}

TEST_CASE("bytes that are not UTF-8 are written, not thrown", "[perf][json]") {
  // A peer's cookie or an address string can hold anything; RFC 8259 8.1
  // wants UTF-8, so invalid bytes become U+FFFD instead of aborting a report.
  std::string s;
  REQUIRE_NOTHROW(s = JsonWriter().field("cookie", std::string_view("ab\xff\xfe")).str());
  auto v = parse_json(s);
  REQUIRE(v);
  CHECK(v->string_or("cookie", "") == "ab\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK_FALSE(parse_json("{\"a\":\"\xff\"}"));  // and invalid UTF-8 is not valid JSON to read
}
