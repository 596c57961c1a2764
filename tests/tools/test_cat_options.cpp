// xtcp-cat's command line and address parsing.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <catch2/catch.hpp>
#include <vector>

#include "tools/cat_options.h"

using namespace xtcp::tools;

namespace {

std::string parse(std::vector<const char*> args, CatOptions* o) {
  args.insert(args.begin(), "xtcp-cat");
  return parse_cat_args(static_cast<int>(args.size()), args.data(), o);
}

}  // namespace

TEST_CASE("listen forms: -l PORT, -l ADDR PORT, IPv6", "[tools][cat]") {
  CatOptions o;
  REQUIRE(parse({"-l", "5001"}, &o).empty());
  CHECK(o.listen);
  CHECK(o.host == "0.0.0.0");
  CHECK(o.port == 5001);

  CatOptions o6;
  REQUIRE(parse({"--socket", "/tmp/s", "--stats", "-l", "::", "80"}, &o6).empty());
  CHECK(o6.host == "::");
  CHECK(o6.socket == "/tmp/s");
  CHECK(o6.stats);
  sockaddr_storage ss;
  socklen_t len;
  REQUIRE(numeric_sockaddr(o6.host, o6.port, &ss, &len));
  CHECK(ss.ss_family == AF_INET6);
  CHECK(len == sizeof(sockaddr_in6));
  CHECK(sockaddr_text(ss) == "[::]:80");
}

TEST_CASE("connect form: HOST PORT, v4 and v6, bracketed v6", "[tools][cat]") {
  CatOptions o;
  REQUIRE(parse({"10.77.0.1", "5001", "-w", "3"}, &o).empty());
  CHECK_FALSE(o.listen);
  CHECK(o.connect_timeout_ms == 3000);
  sockaddr_storage ss;
  socklen_t len;
  REQUIRE(numeric_sockaddr(o.host, o.port, &ss, &len));
  CHECK(ss.ss_family == AF_INET);
  CHECK(ntohs(reinterpret_cast<sockaddr_in&>(ss).sin_port) == 5001);
  CHECK(sockaddr_text(ss) == "10.77.0.1:5001");
  REQUIRE(numeric_sockaddr("[fd77::1]", 443, &ss, &len));
  CHECK(sockaddr_text(ss) == "[fd77::1]:443");
}

TEST_CASE("bad command lines give one sentence", "[tools][cat]") {
  CatOptions o;
  CHECK_FALSE(parse({}, &o).empty());
  CHECK_FALSE(parse({"10.77.0.1"}, &o).empty());              // no port
  CHECK_FALSE(parse({"10.77.0.1", "0"}, &o).empty());         // port 0
  CHECK_FALSE(parse({"10.77.0.1", "65536"}, &o).empty());
  CHECK_FALSE(parse({"10.77.0.1", "5x"}, &o).empty());
  CHECK_FALSE(parse({"example.com", "80"}, &o).empty());      // names are not resolved
  CHECK_FALSE(parse({"1.2.3", "80"}, &o).empty());            // legacy inet_aton form
  CHECK_FALSE(parse({"-l", "1", "2", "3"}, &o).empty());
  CHECK_FALSE(parse({"--bogus", "1.2.3.4", "5"}, &o).empty());
  CHECK_FALSE(parse({"-w", "0", "1.2.3.4", "5"}, &o).empty());
  const std::string e = parse({"10.77.0.1", "99999"}, &o);
  CHECK(e.find("99999") != std::string::npos);
  CHECK(e.find('\n') == std::string::npos);
  CatOptions h;
  CHECK(parse({"--help"}, &h).empty());
  CHECK(h.help);
}
