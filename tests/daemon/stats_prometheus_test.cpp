// xtcpctl stats --prometheus against the text exposition format's rules
// (Prometheus "Exposition formats", text format 0.0.4), and --watch's rates.
#include <catch2/catch.hpp>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "tools/stats_format.h"
#include "xtcp/steer_abi.h"

using xtcp::tools::StatsResult;

namespace {

StatsResult daemon_like() {
  StatsResult s;
  s.iface = "eth\"1\\";  // label values must be escaped
  s.bind_mode = XTCP_BIND_COPY;
  s.queue_count = 2;
  const char* names[] = XTCP_STEER_STAT_NAMES;
  for (size_t i = 0; i < XTCP_STAT_COUNT; ++i) s.entries.emplace_back(std::string("bpf.") + names[i], 100 + i);
  for (int q = 0; q < 2; ++q) {
    const std::string p = "queue" + std::to_string(q) + ".";
    for (const char* n : {"rx_frames", "rx_malformed_bad-checksum", "conns", "frames_free", "frames_total"})
      s.entries.emplace_back(p + n, 10 * q + 1);
  }
  s.entries.emplace_back("app.sessions", 3);
  s.entries.emplace_back("app.requests", 99);
  return s;
}

struct Parsed {
  std::map<std::string, std::string> type;        // family -> counter|gauge
  std::map<std::string, double> samples;          // "name{labels}" -> value
  std::string error;
};

// Checks every line against the format and returns what it declared.
Parsed parse_exposition(const std::string& text) {
  static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) [^\n]*)");
  static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|untyped|summary|histogram))");
  static const std::regex label(R"(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)\")");
  static const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\} ([0-9]+(?:\.[0-9]+)?))");
  Parsed p;
  if (text.empty() || text.back() != '\n') return p.error = "does not end with a newline", p;
  std::istringstream in(text);
  std::string line, current;  // the family whose samples are being read
  std::set<std::string> finished, helped;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, help)) {
      if (!helped.insert(m[1]).second) return p.error = "second HELP for " + m[1].str(), p;
    } else if (std::regex_match(line, m, type)) {
      if (p.type.count(m[1])) return p.error = "second TYPE for " + m[1].str(), p;
      if (!current.empty()) finished.insert(current);
      current = m[1];
      p.type[current] = m[2];
    } else if (std::regex_match(line, m, sample)) {
      const std::string name = m[1];
      if (name != current) return p.error = "sample " + name + " outside its family's block (TYPE first)", p;
      if (finished.count(name)) return p.error = "samples of " + name + " not contiguous", p;
      std::set<std::string> names;
      const std::string labels = m[2];
      for (auto it = std::sregex_iterator(labels.begin(), labels.end(), label); it != std::sregex_iterator(); ++it)
        if (!names.insert((*it)[1]).second) return p.error = "label repeated in " + line, p;
      if (!p.samples.emplace(name + "{" + labels + "}", std::stod(m[3])).second)
        return p.error = "duplicate series " + line, p;
    } else {
      return p.error = "not a valid line: '" + line + "'", p;
    }
  }
  for (const auto& [family, t] : p.type) {
    if (!helped.count(family)) return p.error = "no HELP for " + family, p;
    if (t == "counter" && !family.ends_with("_total")) return p.error = "counter without _total: " + family, p;
  }
  return p;
}

}  // namespace

TEST_CASE("stats --prometheus follows the text exposition format", "[format][prometheus]") {
  const std::string text = xtcp::tools::format_stats_prometheus(daemon_like());
  const Parsed p = parse_exposition(text);
  INFO(text);
  REQUIRE(p.error.empty());
  // Counters and gauges named and typed.
  CHECK(p.type.at("xtcp_bpf_rx_frames_total") == "counter");
  CHECK(p.type.at("xtcp_queue_rx_frames_total") == "counter");
  CHECK(p.type.at("xtcp_queue_rx_malformed_bad_checksum_total") == "counter");  // '-' is no name character
  CHECK(p.type.at("xtcp_queue_conns") == "gauge");
  CHECK(p.type.at("xtcp_queue_frames_free") == "gauge");
  CHECK(p.type.at("xtcp_app_sessions") == "gauge");
  CHECK(p.type.at("xtcp_app_requests_total") == "counter");
  CHECK(p.type.at("xtcp_info") == "gauge");
  // Per-queue samples carry their queue; the value is the daemon's.
  const std::string iface = R"(iface="eth\"1\\")";
  CHECK(p.samples.at("xtcp_queue_rx_frames_total{" + iface + ",queue=\"0\"}") == 1);
  CHECK(p.samples.at("xtcp_queue_rx_frames_total{" + iface + ",queue=\"1\"}") == 11);
  CHECK(p.samples.at("xtcp_bpf_verdict_redirect_total{" + iface + "}") == 102);
  CHECK(p.samples.at("xtcp_info{" + iface + ",mode=\"copy\"}") == 1);
  CHECK(p.samples.at("xtcp_queues{" + iface + "}") == 2);
  // One series per daemon statistic, plus xtcp_info and xtcp_queues.
  CHECK(p.samples.size() == daemon_like().entries.size() + 2);
}

TEST_CASE("the exposition checker itself rejects what the format forbids", "[format][prometheus]") {
  CHECK(!parse_exposition("# TYPE a_total counter\na_total{x=\"1\"} 1").error.empty());  // no newline
  CHECK(!parse_exposition("a{} 1\n").error.empty());                                       // no TYPE
  CHECK(!parse_exposition("# HELP a h\n# TYPE a counter\na{} 1\n").error.empty());         // no _total
  CHECK(!parse_exposition("# HELP a-b h\n# TYPE a-b gauge\na-b{} 1\n").error.empty());     // bad name
  CHECK(!parse_exposition("# HELP a h\n# TYPE a gauge\na{x=\"\"\"} 1\n").error.empty());   // bad escape
  CHECK(parse_exposition("# HELP a h\n# TYPE a gauge\na{x=\"\\\"\"} 1\n").error.empty());
}

TEST_CASE("stats --watch shows what changed: counter rates, gauge levels", "[format][watch]") {
  StatsResult a, b;
  a.entries = {{"queue0.rx_frames", 1000}, {"queue0.conns", 5}, {"queue0.tx_frames", 7}, {"app.requests", 50}};
  b.entries = {{"queue0.rx_frames", 3000}, {"queue0.conns", 3}, {"queue0.tx_frames", 7}, {"app.requests", 10}};
  const std::string t = xtcp::tools::format_stats_rates(a, b, 2.0);
  INFO(t);
  CHECK(t.find("(2.00 s)") != std::string::npos);
  CHECK(std::regex_search(t, std::regex(R"(queue0\.rx_frames +2000 +1000\.0\n)")));
  CHECK(std::regex_search(t, std::regex(R"(queue0\.conns +3 +-2 +\(level, change\)\n)")));
  CHECK(std::regex_search(t, std::regex(R"(app\.requests +reset)")));  // a restarted daemon
  CHECK(t.find("tx_frames") == std::string::npos);                      // unchanged: left out
  CHECK(xtcp::tools::format_stats_rates(a, a, 1.0).ends_with("(no change)\n"));
}
