#include "tools/perf_iperf_proto.h"

#include "tools/perf_json.h"

namespace xtcp::perf::iperf {

std::optional<Params> parse_params(std::string_view json, std::string& why, int32_t& i_errno) {
  i_errno = kErrUnimplemented;
  const std::optional<JsonValue> v = parse_json(json);
  if (!v || v->kind != JsonValue::Kind::Object) {
    why = "the parameters are not a JSON object";
    return std::nullopt;
  }
  Params p;
  p.udp = v->bool_or("udp", false);
  if (p.udp || v->get("sctp")) {
    why = "only TCP tests are supported (no -u / --sctp)";
    return std::nullopt;
  }
  p.reverse = v->bool_or("reverse", false);
  p.bidir = v->bool_or("bidirectional", false);
  const double parallel = v->number_or("parallel", 1);
  if (parallel < 1 || parallel > kMaxStreams) {
    why = "parallel must be 1.." + std::to_string(kMaxStreams);
    i_errno = kErrNumStreams;
    return std::nullopt;
  }
  p.parallel = static_cast<int>(parallel);
  const double len = v->number_or("len", kDefaultBlockSize);
  if (len < 1 || len > kMaxJsonSize) {
    why = "block length (-l) must be 1..1048576";
    i_errno = kErrBlockSize;
    return std::nullopt;
  }
  p.block_size = static_cast<uint32_t>(len);
  p.duration_s = v->number_or("time", 10);
  p.client_version = v->string_or("client_version", "");
  return p;
}

int stream_id(size_t index) { return index == 0 ? 1 : static_cast<int>(index) + 2; }

std::string results_json(const Results& r) {
  std::string streams = "[";
  for (const StreamResult& s : r.streams) {
    if (streams.size() > 1) streams += ',';
    streams += JsonWriter()
                   .field("id", s.id)
                   .field("bytes", s.bytes)
                   .field("retransmits", s.retransmits)
                   .field("jitter", 0.0)
                   .field("errors", int64_t{0})
                   .field("packets", int64_t{0})
                   .field("start_time", s.start_s)
                   .field("end_time", s.end_s)
                   .str();
  }
  streams += ']';
  return JsonWriter()
      .field("cpu_util_total", r.cpu_total)
      .field("cpu_util_user", r.cpu_user)
      .field("cpu_util_system", r.cpu_system)
      .field("sender_has_retransmits", r.sender_has_retransmits)
      .raw("streams", streams)
      .str();
}

std::optional<Results> parse_results(std::string_view json) {
  const std::optional<JsonValue> v = parse_json(json);
  if (!v || v->kind != JsonValue::Kind::Object) return std::nullopt;
  const JsonValue* streams = v->get("streams");
  if (!streams || streams->kind != JsonValue::Kind::Array) return std::nullopt;
  Results r;
  r.cpu_total = v->number_or("cpu_util_total", 0);
  r.cpu_user = v->number_or("cpu_util_user", 0);
  r.cpu_system = v->number_or("cpu_util_system", 0);
  r.sender_has_retransmits = static_cast<int>(v->number_or("sender_has_retransmits", -1));
  for (const JsonValue& s : streams->items) {
    if (s.kind != JsonValue::Kind::Object || !s.get("id") || !s.get("bytes")) return std::nullopt;
    r.streams.push_back({.id = static_cast<int>(s.number_or("id", 0)),
                         .bytes = static_cast<uint64_t>(s.number_or("bytes", 0)),
                         .retransmits = static_cast<int64_t>(s.number_or("retransmits", -1)),
                         .start_s = s.number_or("start_time", 0),
                         .end_s = s.number_or("end_time", 0)});
  }
  return r;
}

namespace {
void put_be32(std::string& out, uint32_t v) {
  out += static_cast<char>(v >> 24);
  out += static_cast<char>(v >> 16);
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v);
}
}  // namespace

std::string frame_json(std::string_view json) {
  std::string out;
  out.reserve(4 + json.size());
  put_be32(out, static_cast<uint32_t>(json.size()));
  out += json;
  return out;
}

uint32_t frame_length(const uint8_t* four) {
  return (uint32_t{four[0]} << 24) | (uint32_t{four[1]} << 16) | (uint32_t{four[2]} << 8) | four[3];
}

std::string server_error_message(int32_t i_errno, int32_t err) {
  std::string out(1, static_cast<char>(kServerError));
  put_be32(out, static_cast<uint32_t>(i_errno));
  put_be32(out, static_cast<uint32_t>(err));
  return out;
}

}  // namespace xtcp::perf::iperf
