#include "tools/perf_json.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace xtcp::perf {

const JsonValue* JsonValue::get(std::string_view key) const {
  if (kind != Kind::Object) return nullptr;
  for (const auto& [k, v] : members)
    if (k == key) return &v;
  return nullptr;
}

double JsonValue::number_or(std::string_view key, double fallback) const {
  const JsonValue* v = get(key);
  return v && v->kind == Kind::Number ? v->number : fallback;
}

bool JsonValue::bool_or(std::string_view key, bool fallback) const {
  const JsonValue* v = get(key);
  if (!v) return fallback;
  if (v->kind == Kind::Bool) return v->boolean;
  if (v->kind == Kind::Number) return v->number != 0;
  return fallback;
}

std::string JsonValue::string_or(std::string_view key, std::string fallback) const {
  const JsonValue* v = get(key);
  return v && v->kind == Kind::String ? v->text : fallback;
}

namespace {

using Json = nlohmann::ordered_json;

// Deeper documents are refused: nothing iperf3 sends nests beyond a few
// levels, and the tree below is built recursively.
constexpr int kMaxDepth = 64;

JsonValue convert(const Json& j) {
  JsonValue v;
  switch (j.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded: v.kind = JsonValue::Kind::Null; break;
    case Json::value_t::boolean: v.kind = JsonValue::Kind::Bool, v.boolean = j.get<bool>(); break;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: v.kind = JsonValue::Kind::Number, v.number = j.get<double>(); break;
    case Json::value_t::string: v.kind = JsonValue::Kind::String, v.text = j.get<std::string>(); break;
    case Json::value_t::binary: v.kind = JsonValue::Kind::Null; break;  // never from parse()
    case Json::value_t::array:
      v.kind = JsonValue::Kind::Array;
      for (const Json& item : j) v.items.push_back(convert(item));
      break;
    case Json::value_t::object:
      v.kind = JsonValue::Kind::Object;
      for (const auto& [k, item] : j.items()) v.members.emplace_back(k, convert(item));
      break;
  }
  return v;
}

// Strings that are not UTF-8 are written with U+FFFD, never an exception.
std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace

// nlohmann-json (RFC 8259, Debian's nlohmann-json3-dev) reads the bytes the
// network sent; without exceptions a bad document is "discarded".
std::optional<JsonValue> parse_json(std::string_view text) {
  bool too_deep = false;
  const Json::parser_callback_t limit = [&too_deep](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxDepth) too_deep = true;
    return !too_deep;
  };
  const Json j = Json::parse(text.begin(), text.end(), limit, /*allow_exceptions=*/false);
  if (too_deep || j.is_discarded()) return std::nullopt;
  return convert(j);
}

std::string json_quote(std::string_view s) { return dump(Json(std::string(s))); }

JsonWriter::JsonWriter() : obj_(std::make_unique<Json>(Json::object())) {}
JsonWriter::~JsonWriter() = default;

std::string JsonWriter::str() const { return dump(*obj_); }

JsonWriter& JsonWriter::field(std::string_view k, std::string_view value) {
  (*obj_)[std::string(k)] = std::string(value);
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view k, double value) {
  (*obj_)[std::string(k)] = std::isfinite(value) ? value : 0.0;  // JSON has no NaN or infinity
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view k, int64_t value) {
  (*obj_)[std::string(k)] = value;
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view k, uint64_t value) {
  (*obj_)[std::string(k)] = value;
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view k, bool value) {
  (*obj_)[std::string(k)] = value;
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view k, std::string_view json) {
  Json v = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  (*obj_)[std::string(k)] = v.is_discarded() ? Json() : std::move(v);
  return *this;
}

}  // namespace xtcp::perf
