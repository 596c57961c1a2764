// xtcpd's config file: the keys are the long options, flags win, and every
// mistake is one line naming the file and line.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "daemon/config_file.h"
#include "daemon/options.h"

using xtcp::daemon::merge_config_file;
using xtcp::daemon::parse_config_text;
using xtcp::daemon::parse_options;
using xtcp::daemon::ParsedOptions;

namespace {

// A file in a fresh temp dir, removed with it.
struct TempFile {
  std::string dir, path;
  explicit TempFile(const std::string& text) {
    char tmpl[] = "/tmp/xtcp-conf-XXXXXX";
    dir = mkdtemp(tmpl);
    path = dir + "/xtcpd.conf";
    std::ofstream(path) << text;
  }
  ~TempFile() {
    std::remove(path.c_str());
    rmdir(dir.c_str());
  }
};

ParsedOptions parse_merged(const std::vector<std::string_view>& cmdline, const std::string& default_file) {
  auto m = merge_config_file(cmdline, default_file);
  INFO(m.error);
  REQUIRE(m.error.empty());
  const std::vector<std::string_view> args(m.args.begin(), m.args.end());
  return parse_options(args, "/def.sock");
}

}  // namespace

TEST_CASE("config lines become --key=value in file order", "[config_file]") {
  auto r = parse_config_text(
      "# xtcpd settings\n"
      "\n"
      "iface = xt-d\n"
      "   queues=2  \r\n"
      "\t# indented comment\n"
      "steer-port = 5201\n"
      "steer-port = 80",
      "x.conf");
  INFO(r.error);
  REQUIRE(r.error.empty());
  CHECK(r.args == std::vector<std::string>{"--iface=xt-d", "--queues=2", "--steer-port=5201",
                                           "--steer-port=80"});
}

TEST_CASE("an unknown key is one line naming file and line", "[config_file]") {
  auto r = parse_config_text("queues = 1\n\nrto-minn = 5\n", "/etc/xtcp/xtcpd.conf");
  CHECK(r.args.empty());
  CHECK(r.error.rfind("/etc/xtcp/xtcpd.conf:3: unknown key 'rto-minn'", 0) == 0);
  CHECK(r.error.find('\n') == std::string::npos);
  // Options that take no value are not keys either.
  CHECK(parse_config_text("help = 1\n", "f").error.rfind("f:1: unknown key 'help'", 0) == 0);
  CHECK(parse_config_text("--queues = 1\n", "f").error.rfind("f:1: unknown key '--queues'", 0) == 0);
  CHECK(parse_config_text("config = /x\n", "f").error.rfind("f:1: unknown key 'config'", 0) == 0);
}

TEST_CASE("a bad value gets the flag's own sentence with file:line", "[config_file]") {
  auto r = parse_config_text("iface = a\nqueues = 0\n", "f.conf");
  CHECK(r.error == "f.conf:2: --queues needs a number from 1 to 64, got '0'; see xtcpd --help");
  CHECK(parse_config_text("poll = fast\n", "f").error.rfind("f:1: --poll needs adaptive, busy or interrupt", 0) == 0);
  CHECK(parse_config_text("iface =\n", "f").error.rfind("f:1: --iface needs an interface name", 0) == 0);
  CHECK(parse_config_text("queues 2\n", "f").error == "f:1: expected 'key = value', got 'queues 2'");
  CHECK(parse_config_text(std::string("queues = 1\0", 11), "f").error.rfind("f:1: a NUL byte", 0) == 0);
}

TEST_CASE("flags win over the file; the file fills in the rest", "[config_file]") {
  TempFile f("iface = from-file\nqueues = 2\nsocket = /run/a.sock\ntime-wait = 30\nsteer-port = 80\n");
  auto p = parse_merged({"--config", f.path, "--queues", "4", "--iface=eth1", "--steer-port", "443"}, "");
  INFO(p.error);
  REQUIRE(p.action == ParsedOptions::Action::kRun);
  CHECK(p.config.iface == "eth1");
  CHECK(p.config.queues == 4);
  CHECK(p.config.socket_path == "/run/a.sock");
  CHECK(p.config.time_wait_s == 30);
  CHECK(p.config.steer_ports == std::vector<uint16_t>{80, 443});  // repeatable: both
}

TEST_CASE("the file alone can configure xtcpd", "[config_file]") {
  TempFile f("iface = xt-d\nconn-buffer = 65536\n");
  auto p = parse_merged({"--config=" + f.path}, "");
  REQUIRE(p.action == ParsedOptions::Action::kRun);
  CHECK(p.config.iface == "xt-d");
  CHECK(p.config.conn_buffer == 65536);
  CHECK(p.config.socket_path == "/def.sock");
}

TEST_CASE("the default file is read only when it exists, and --config replaces it", "[config_file]") {
  TempFile def("iface = from-default\n");
  TempFile other("iface = from-other\n");
  CHECK(parse_merged({}, def.path).config.iface == "from-default");
  CHECK(parse_merged({"--config", other.path}, def.path).config.iface == "from-other");
  auto none = merge_config_file({"--iface", "a"}, def.dir + "/absent.conf");
  CHECK(none.error.empty());
  CHECK(none.args == std::vector<std::string>{"--iface", "a"});
}

TEST_CASE("--config problems are one line", "[config_file]") {
  auto missing = merge_config_file({"--config", "/nonexistent/xtcpd.conf"}, "");
  CHECK(missing.error == "cannot read config file /nonexistent/xtcpd.conf: No such file or directory");
  CHECK(merge_config_file({"--config"}, "").error == "--config needs a file; see xtcpd --help");
  CHECK(merge_config_file({"--config="}, "").error == "--config needs a file; see xtcpd --help");
  CHECK(merge_config_file({"--config", "--iface"}, "").error == "--config needs a file; see xtcpd --help");
  TempFile bad("iface = a\nbogus = 1\n");
  CHECK(merge_config_file({"--config", bad.path}, "").error.rfind(bad.path + ":2: unknown key 'bogus'", 0) == 0);
}
