// xtcpd's command line: defaults, every option, and the error sentences.
#include <catch2/catch.hpp>

#include "daemon/options.h"
#include "stack/time_wait_table.h"

using xtcp::daemon::Config;
using xtcp::daemon::ParsedOptions;
using xtcp::daemon::parse_options;

namespace {

ParsedOptions parse(std::vector<std::string_view> args) { return parse_options(args, "/def.sock"); }

void check_error(std::vector<std::string_view> args, const std::string& needle) {
  auto p = parse(args);
  INFO(p.error);
  CHECK(p.action == ParsedOptions::Action::kError);
  CHECK(p.error.find(needle) != std::string::npos);
}

}  // namespace

TEST_CASE("defaults come from the named constants", "[options]") {
  auto p = parse({"--iface", "xt-d"});
  REQUIRE(p.action == ParsedOptions::Action::kRun);
  const Config& c = p.config;
  CHECK(c.iface == "xt-d");
  CHECK(c.queues == Config::kDefaultQueues);
  CHECK(c.queues == 1);
  CHECK(c.socket_path == "/def.sock");
  CHECK(c.steer_ports.empty());
  CHECK(c.xdp_mode == xtcp::xsk::BindMode::kAuto);
  CHECK(c.frame_size == xtcp::xsk::XskConfig::kDefaultFrameSize);
  CHECK(c.frames == xtcp::xsk::XskConfig::kDefaultFrameCount);
  CHECK(c.ring_size == xtcp::xsk::XskConfig::kDefaultRxSize);
}

TEST_CASE("every option is parsed, in both spellings", "[options]") {
  auto p = parse({"--iface=xt-d", "--queues", "2", "--socket=/tmp/x.sock", "--steer-port", "5201",
                  "--steer-port=80", "--steer-port", "5201", "--xdp-mode", "copy",
                  "--frame-size", "2048", "--frames=4096", "--ring-size", "1024"});
  REQUIRE(p.action == ParsedOptions::Action::kRun);
  const Config& c = p.config;
  CHECK(c.queues == 2);
  CHECK(c.socket_path == "/tmp/x.sock");
  CHECK(c.steer_ports == std::vector<uint16_t>{80, 5201});  // sorted, unique
  CHECK(c.xdp_mode == xtcp::xsk::BindMode::kCopy);
  CHECK(c.frame_size == 2048);
  CHECK(c.frames == 4096);
  CHECK(c.ring_size == 1024);
  auto x = xtcp::daemon::xsk_config(c);
  CHECK(x.rx_size == 1024);
  CHECK(x.fill_size == 2048);
  CHECK(x.frame_count == 4096);
  CHECK(x.mode == xtcp::xsk::BindMode::kCopy);
}

TEST_CASE("zerocopy and auto modes parse", "[options]") {
  CHECK(parse({"--iface", "a", "--xdp-mode", "zerocopy"}).config.xdp_mode ==
        xtcp::xsk::BindMode::kZeroCopy);
  CHECK(parse({"--iface", "a", "--xdp-mode", "auto"}).config.xdp_mode == xtcp::xsk::BindMode::kAuto);
}

TEST_CASE("--help wins", "[options]") {
  CHECK(parse({"--help"}).action == ParsedOptions::Action::kHelp);
  CHECK(parse({"--queues", "x", "--help"}).action == ParsedOptions::Action::kError);
  CHECK(parse({"--iface", "a", "--help"}).action == ParsedOptions::Action::kHelp);
}

TEST_CASE("bad command lines name the problem", "[options]") {
  check_error({}, "--iface IF is required");
  check_error({"--queues", "2"}, "--iface IF is required");
  check_error({"--iface", "a", "--queues", "0"}, "--queues needs a number from 1 to 64, got '0'");
  check_error({"--iface", "a", "--queues", "65"}, "--queues needs a number from 1 to 64");
  check_error({"--iface", "a", "--queues", "2x"}, "got '2x'");
  check_error({"--iface", "a", "--steer-port", "0"}, "--steer-port needs a port from 1 to 65535");
  check_error({"--iface", "a", "--steer-port", "70000"}, "--steer-port needs a port");
  check_error({"--iface", "a", "--xdp-mode", "fast"}, "--xdp-mode needs auto, zerocopy or copy");
  check_error({"--iface", "a", "--frame-size", "3000"}, "--frame-size needs 2048 or 4096");
  check_error({"--iface", "a", "--ring-size", "1000"}, "--ring-size needs a power of two");
  check_error({"--iface", "a", "--frames", "100", "--ring-size", "64"}, "at least twice");
  check_error({"--iface", "a", "--frames", "64"}, "at least twice --ring-size");
  check_error({"--iface", "a", "--bogus", "1"}, "unknown option '--bogus'");
  check_error({"--iface", "a", "--bogus"}, "unknown option '--bogus'");
  check_error({"--iface", "a", "--bogus=1"}, "unknown option '--bogus'");
  check_error({"--iface"}, "--iface needs a value");
  check_error({"--iface", "--queues", "2"}, "--iface needs a value");
  check_error({"--iface", "a", "stray"}, "unexpected argument 'stray'");
  check_error({"--iface", "an-interface-name-too-long"}, "1 to 15 characters");
  for (auto& p : {parse({"--iface", "a", "--queues", "0"}), parse({"--bogus"})})
    CHECK(p.error.find("see xtcpd --help") != std::string::npos);
}

TEST_CASE("the interface MTU must fit in a UMEM frame", "[options]") {
  Config c;
  c.iface = "xt-d";
  c.frame_size = 2048;  // 2048 - 256 (XDP_PACKET_HEADROOM) - 18 = 1774 bytes of MTU
  CHECK(xtcp::daemon::check_mtu(c, 1500) == "");
  CHECK(xtcp::daemon::check_mtu(c, 1774) == "");
  CHECK(xtcp::daemon::check_mtu(c, 1775) ==
        "the MTU 1775 of xt-d does not fit in 2048-byte UMEM frames (at most 1774); use "
        "--frame-size 4096 or lower the MTU");
  c.frame_size = 4096;
  CHECK(xtcp::daemon::check_mtu(c, 3822) == "");
  CHECK(xtcp::daemon::check_mtu(c, 9000) ==
        "the MTU 9000 of xt-d does not fit in 4096-byte UMEM frames (at most 3822); lower the MTU");
}

// ---- The application side's options (issue 4) ----

TEST_CASE("the application options default to the named constants", "[options][app]") {
  auto p = parse({"--iface", "xt-d"});
  REQUIRE(p.action == ParsedOptions::Action::kRun);
  const Config& c = p.config;
  CHECK(c.poll == "adaptive");
  CHECK(c.conn_buffer == Config::kDefaultConnBuffer);
  CHECK(c.conn_buffer == 262144);
  CHECK(c.max_conns == Config::kDefaultMaxConns);
  CHECK(c.max_app_conns == Config::kDefaultMaxAppConns);
  CHECK(c.app_memory_mib == Config::kDefaultAppMemoryMib);
  CHECK(c.socket_group.empty());
  CHECK(c.time_wait_s == 60);
  CHECK(c.max_time_wait == xtcp::stack::kDefaultMaxTimeWait);
}

TEST_CASE("accepted application option values land in Config", "[options][app]") {
  for (const char* mode : {"adaptive", "busy", "interrupt"}) {
    INFO(mode);
    auto p = parse({"--iface", "a", "--poll", mode});
    REQUIRE(p.action == ParsedOptions::Action::kRun);
    CHECK(p.config.poll == mode);
  }
  for (uint32_t bytes : {4096u, 65536u, 1u << 20, 67108864u}) {
    const std::string v = std::to_string(bytes);
    INFO(v);
    auto p = parse({"--iface", "a", "--conn-buffer", v});
    REQUIRE(p.action == ParsedOptions::Action::kRun);
    CHECK(p.config.conn_buffer == bytes);
  }
  auto p = parse({"--iface=a", "--max-conns=1", "--max-app-conns", "1048576", "--app-memory=1",
                  "--socket-group", "xtcp", "--time-wait=1", "--poll=busy",
                  "--conn-buffer=8192"});
  REQUIRE(p.action == ParsedOptions::Action::kRun);
  CHECK(p.config.max_conns == 1);
  CHECK(p.config.max_app_conns == 1048576);
  CHECK(p.config.app_memory_mib == 1);
  CHECK(p.config.socket_group == "xtcp");
  CHECK(p.config.time_wait_s == 1);
  CHECK(p.config.poll == "busy");
  CHECK(p.config.conn_buffer == 8192);
  auto q = parse({"--iface", "a", "--max-conns", "1048576", "--max-app-conns", "1",
                  "--app-memory", "1048576", "--time-wait", "240", "--rto-min", "20"});
  REQUIRE(q.action == ParsedOptions::Action::kRun);
  CHECK(q.config.max_conns == 1048576);
  CHECK(q.config.max_app_conns == 1);
  CHECK(q.config.app_memory_mib == 1048576);
  CHECK(q.config.time_wait_s == 240);
  for (uint32_t n : {0u, 1u, 65536u, 1048576u}) {
    const std::string v = std::to_string(n);
    INFO(v);
    auto r = parse({"--iface", "a", "--max-time-wait", v});
    REQUIRE(r.action == ParsedOptions::Action::kRun);
    CHECK(r.config.max_time_wait == n);
  }
  CHECK(q.config.rto_min_ms == 20);
  CHECK(p.config.rto_min_ms == 200);
}

TEST_CASE("bad application option values give one sentence naming the option", "[options][app]") {
  struct Bad {
    std::vector<std::string_view> args;
    std::string needle;
  };
  const Bad cases[] = {
      {{"--poll", "fast"}, "--poll needs adaptive, busy or interrupt, got 'fast'"},
      {{"--poll", "Busy"}, "--poll needs adaptive, busy or interrupt"},
      {{"--poll="}, "--poll needs adaptive, busy or interrupt, got ''"},
      {{"--conn-buffer", "2048"}, "--conn-buffer needs a power of two from 4096 to 67108864"},
      {{"--conn-buffer", "134217728"}, "--conn-buffer needs a power of two from 4096 to 67108864"},
      {{"--conn-buffer", "5000"}, "--conn-buffer needs a power of two from 4096 to 67108864, got '5000'"},
      {{"--conn-buffer", "64k"}, "--conn-buffer needs a power of two"},
      {{"--conn-buffer", "-4096"}, "--conn-buffer needs a power of two"},
      {{"--max-conns", "0"}, "--max-conns needs a number from 1 to 1048576, got '0'"},
      {{"--max-conns", "1048577"}, "--max-conns needs a number from 1 to 1048576"},
      {{"--max-app-conns", "0"}, "--max-app-conns needs a number from 1 to 1048576"},
      {{"--max-app-conns", "x"}, "--max-app-conns needs a number from 1 to 1048576, got 'x'"},
      {{"--app-memory", "0"}, "--app-memory needs a number of MiB from 1 to 1048576"},
      {{"--app-memory", "4G"}, "--app-memory needs a number of MiB"},
      {{"--socket-group="}, "--socket-group needs a group name"},
      {{"--time-wait", "0"}, "--time-wait needs a number of seconds from 1 to 240, got '0'"},
      {{"--time-wait", "241"}, "--time-wait needs a number of seconds from 1 to 240"},
      {{"--time-wait", "60s"}, "--time-wait needs a number of seconds"},
      {{"--time-wait"}, "--time-wait needs a value"},
      {{"--max-time-wait", "1048577"}, "--max-time-wait needs a number from 0 to 1048576, got '1048577'"},
      {{"--max-time-wait", "-1"}, "--max-time-wait needs a number from 0 to 1048576"},
      {{"--max-time-wait"}, "--max-time-wait needs a value"},
      {{"--rto-min", "0"}, "--rto-min needs a number of milliseconds from 1 to 60000, got '0'"},
      {{"--poll"}, "--poll needs a value"},
  };
  for (const Bad& b : cases) {
    std::vector<std::string_view> args{"--iface", "a"};
    args.insert(args.end(), b.args.begin(), b.args.end());
    auto p = parse(args);
    INFO(b.needle << " <- " << p.error);
    CHECK(p.action == ParsedOptions::Action::kError);
    CHECK(p.error.find(b.needle) != std::string::npos);
    CHECK(p.error.find('\n') == std::string::npos);  // one sentence, one line
    CHECK(p.error.find("see xtcpd --help") != std::string::npos);
  }
}

TEST_CASE("--help lists the application options", "[options][app]") {
  const std::string usage = xtcp::daemon::usage_text();
  for (const char* opt : {"--poll", "--conn-buffer", "--max-conns", "--max-app-conns",
                          "--app-memory", "--socket-group", "--time-wait", "--max-time-wait",
                          "--rto-min"}) {
    INFO(opt);
    CHECK(usage.find(opt) != std::string::npos);
  }
}
