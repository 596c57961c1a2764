// JSON for xtcp-perf's control path (iperf3's parameter and result
// messages, RFC 8259) and its --json reports, on nlohmann-json (kept out of
// this header). Not for data paths: values are trees of std::string and
// std::vector.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace xtcp::perf {

struct JsonValue {
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  std::string text;
  std::vector<JsonValue> items;                             // Array
  std::vector<std::pair<std::string, JsonValue>> members;  // Object, in order

  const JsonValue* get(std::string_view key) const;  // Object member or nullptr
  // Typed lookups with a fallback for a missing or mistyped member.
  double number_or(std::string_view key, double fallback) const;
  bool bool_or(std::string_view key, bool fallback) const;  // numbers: != 0
  std::string string_or(std::string_view key, std::string fallback) const;
};

// Parses one JSON text (whitespace around it allowed); nullopt when it is
// not valid JSON or nests deeper than 64 levels.
std::optional<JsonValue> parse_json(std::string_view text);

// Builds one JSON object, members in call order (a repeated key keeps its
// first place and takes the last value).
class JsonWriter {
 public:
  JsonWriter();
  ~JsonWriter();
  JsonWriter(JsonWriter&&) noexcept = default;
  JsonWriter& field(std::string_view key, std::string_view value);
  JsonWriter& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
  JsonWriter& field(std::string_view key, double value);
  JsonWriter& field(std::string_view key, int64_t value);
  JsonWriter& field(std::string_view key, uint64_t value);
  JsonWriter& field(std::string_view key, int value) { return field(key, int64_t{value}); }
  JsonWriter& field(std::string_view key, bool value);
  JsonWriter& raw(std::string_view key, std::string_view json);  // value already JSON
  std::string str() const;

 private:
  std::unique_ptr<nlohmann::ordered_json> obj_;
};

std::string json_quote(std::string_view s);

}  // namespace xtcp::perf
