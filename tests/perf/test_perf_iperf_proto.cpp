// iperf3 control messages: framing, parameters, results, stream ids.
#include <catch2/catch.hpp>

#include <string>

#include "tools/perf_iperf_proto.h"
#include "tools/perf_json.h"

namespace iperf = xtcp::perf::iperf;
using xtcp::perf::parse_json;

TEST_CASE("JSON messages carry a 4-byte big-endian length", "[perf][iperf]") {
  const std::string json = R"({"a":1})";
  const std::string f = iperf::frame_json(json);
  REQUIRE(f.size() == 4 + json.size());
  CHECK(f.substr(0, 4) == std::string("\0\0\0\x07", 4));
  CHECK(f.substr(4) == json);
  CHECK(iperf::frame_length(reinterpret_cast<const uint8_t*>(f.data())) == 7);
  const uint8_t big[4] = {0x01, 0x02, 0x03, 0x04};
  CHECK(iperf::frame_length(big) == 0x01020304u);
}

TEST_CASE("state bytes have iperf3's values", "[perf][iperf]") {
  CHECK(iperf::kCookieSize == 37);
  CHECK(iperf::kTestStart == 1);
  CHECK(iperf::kTestRunning == 2);
  CHECK(iperf::kTestEnd == 4);
  CHECK(iperf::kParamExchange == 9);
  CHECK(iperf::kCreateStreams == 10);
  CHECK(iperf::kExchangeResults == 13);
  CHECK(iperf::kDisplayResults == 14);
  CHECK(iperf::kIperfDone == 16);
  CHECK(static_cast<uint8_t>(iperf::kAccessDenied) == 0xFF);
  CHECK(static_cast<uint8_t>(iperf::kServerError) == 0xFE);
}

TEST_CASE("a client's parameters are read, unknown fields ignored", "[perf][iperf]") {
  std::string why;
  int32_t err = 0;
  const auto p = iperf::parse_params(
      R"({"tcp":true,"omit":0,"time":2,"num":0,"blockcount":0,"parallel":4,"reverse":true,)"
      R"("len":131072,"pacing_timer":1000,"client_version":"3.12","extra":{"nested":[1,2]}})",
      why, err);
  REQUIRE(p);
  CHECK(p->parallel == 4);
  CHECK(p->reverse);
  CHECK_FALSE(p->bidir);
  CHECK(p->block_size == 131072);
  CHECK(p->duration_s == 2);
  CHECK(p->client_version == "3.12");

  const auto d = iperf::parse_params(R"({"tcp":true})", why, err);
  REQUIRE(d);
  CHECK(d->parallel == 1);
  CHECK_FALSE(d->reverse);
  CHECK(d->block_size == iperf::kDefaultBlockSize);
}

TEST_CASE("UDP, too many streams and garbage are refused with a reason", "[perf][iperf]") {
  std::string why;
  int32_t err = 0;
  CHECK_FALSE(iperf::parse_params(R"({"udp":true,"parallel":1})", why, err));
  CHECK(err == iperf::kErrUnimplemented);
  CHECK(why.find("TCP") != std::string::npos);
  CHECK_FALSE(iperf::parse_params(R"({"tcp":true,"parallel":129})", why, err));
  CHECK(err == iperf::kErrNumStreams);
  CHECK_FALSE(iperf::parse_params(R"({"tcp":true,"len":2000000})", why, err));
  CHECK(err == iperf::kErrBlockSize);
  CHECK_FALSE(iperf::parse_params(R"({"tcp":true,)", why, err));
  CHECK_FALSE(iperf::parse_params("[1]", why, err));
}

TEST_CASE("stream ids are 1, 3, 4, 5 as iperf3 numbers them", "[perf][iperf]") {
  CHECK(iperf::stream_id(0) == 1);
  CHECK(iperf::stream_id(1) == 3);
  CHECK(iperf::stream_id(2) == 4);
  CHECK(iperf::stream_id(127) == 129);
}

TEST_CASE("results carry every field iperf3's client requires", "[perf][iperf]") {
  iperf::Results r;
  r.cpu_total = 12.5;
  r.cpu_user = 2.5;
  r.cpu_system = 10;
  r.sender_has_retransmits = 1;
  r.streams.push_back({.id = 1, .bytes = 5000000000ull, .retransmits = 7, .start_s = 0, .end_s = 2.001});
  r.streams.push_back({.id = 3, .bytes = 42, .retransmits = -1, .start_s = 0, .end_s = 2.001});
  const std::string text = iperf::results_json(r);
  const auto v = parse_json(text);
  REQUIRE(v);
  for (const char* k : {"cpu_util_total", "cpu_util_user", "cpu_util_system", "sender_has_retransmits", "streams"})
    CHECK(v->get(k) != nullptr);
  const auto* streams = v->get("streams");
  REQUIRE(streams->items.size() == 2);
  for (const auto& s : streams->items)
    for (const char* k : {"id", "bytes", "retransmits", "jitter", "errors", "packets", "start_time", "end_time"})
      CHECK(s.get(k) != nullptr);
  CHECK(streams->items[0].number_or("bytes", 0) == 5000000000.0);

  const auto back = iperf::parse_results(text);
  REQUIRE(back);
  CHECK(back->sender_has_retransmits == 1);
  CHECK(back->cpu_total == 12.5);
  REQUIRE(back->streams.size() == 2);
  CHECK(back->streams[0].id == 1);
  CHECK(back->streams[0].bytes == 5000000000ull);
  CHECK(back->streams[0].retransmits == 7);
  CHECK(back->streams[0].end_s == Approx(2.001));
  CHECK(back->streams[1].id == 3);
  CHECK(back->streams[1].bytes == 42);
}

TEST_CASE("SERVER_ERROR is the state byte then two big-endian ints", "[perf][iperf]") {
  const std::string m = iperf::server_error_message(13, 22);
  CHECK(m == std::string("\xFE\0\0\0\x0D\0\0\0\x16", 9));
}
