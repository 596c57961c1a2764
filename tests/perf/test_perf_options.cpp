// xtcp-perf's command line.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tools/perf_options.h"

using namespace xtcp::perf;

namespace {
std::optional<PerfOptions> parse(std::vector<const char*> args, std::string& why) {
  args.insert(args.begin(), "xtcp-perf");
  return parse_perf_options(static_cast<int>(args.size()), args.data(), why);
}
}  // namespace

TEST_CASE("server defaults: iperf mode on port 5201", "[perf][options]") {
  std::string why;
  const auto o = parse({"server", "--stack", "xtcp"}, why);
  REQUIRE(o);
  CHECK(o->role == Role::Server);
  CHECK(o->stack == StackKind::Xtcp);
  CHECK(o->mode == Mode::Iperf);
  CHECK(o->port == 5201);
  CHECK_FALSE(o->json);
}

TEST_CASE("client rr with every option", "[perf][options]") {
  std::string why;
  const auto o = parse({"client", "--stack", "kernel", "--mode", "crr", "--host", "10.0.0.1", "--port", "7000",
                        "--size", "1024", "--duration", "0.5", "--connections", "10000", "--json", "--socket", "/x"},
                       why);
  REQUIRE(o);
  CHECK(o->mode == Mode::Crr);
  CHECK(o->host == "10.0.0.1");
  CHECK(o->port == 7000);
  CHECK(o->size == 1024);
  CHECK(o->duration_s == 0.5);
  CHECK(o->connections == 10000);
  CHECK(o->json);
  CHECK(o->socket == "/x");
}

TEST_CASE("bad command lines say what is wrong", "[perf][options]") {
  std::string why;
  CHECK_FALSE(parse({}, why));
  CHECK_FALSE(parse({"both", "--stack", "xtcp"}, why));
  CHECK_FALSE(parse({"server"}, why));
  CHECK(why.find("--stack") != std::string::npos);
  CHECK_FALSE(parse({"server", "--stack", "dpdk"}, why));
  CHECK_FALSE(parse({"server", "--stack", "xtcp", "--port", "0"}, why));
  CHECK_FALSE(parse({"server", "--stack", "xtcp", "--port", "70000"}, why));
  CHECK_FALSE(parse({"server", "--stack", "xtcp", "--port"}, why));
  CHECK(why.find("needs a value") != std::string::npos);
  CHECK_FALSE(parse({"client", "--stack", "xtcp", "--mode", "rr"}, why));
  CHECK(why.find("--host") != std::string::npos);
  CHECK_FALSE(parse({"client", "--stack", "xtcp", "--host", "1.2.3.4"}, why));  // iperf mode: use iperf3
  CHECK_FALSE(parse({"client", "--stack", "xtcp", "--mode", "rr", "--host", "h", "--size", "0"}, why));
  CHECK_FALSE(parse({"client", "--stack", "xtcp", "--mode", "rr", "--host", "h", "--connections", "1.5"}, why));
  CHECK_FALSE(parse({"server", "--stack", "xtcp", "--bogus"}, why));
  CHECK(why.find("--bogus") != std::string::npos);
}
