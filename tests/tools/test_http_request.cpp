// The example server's HTTP logic: request heads (RFC 9112), routing to
// status codes, files under the root, the /gen pattern and response heads.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <string>

#include "http_request.h"

using namespace xtcp::examples;

namespace {

HttpRequest req(const std::string& method, const std::string& target) {
  return HttpRequest{method, target, "HTTP/1.1", true};
}

struct TempRoot {
  std::string dir;
  TempRoot() {
    char t[] = "/tmp/xtcp-http-root-XXXXXX";
    dir = mkdtemp(t);
    std::ofstream(dir + "/hello.txt") << "hello, xtcp\n";
    mkdir((dir + "/sub").c_str(), 0755);
    std::ofstream(dir + "/sub/index.html") << "<p>sub</p>";
    [[maybe_unused]] int rc = symlink("/etc/hostname", (dir + "/escape").c_str());
  }
  ~TempRoot() { [[maybe_unused]] int rc = std::system(("rm -rf " + dir).c_str()); }
};

}  // namespace

TEST_CASE("request heads: complete, incomplete, malformed", "[tools][http]") {
  HttpRequest r;
  size_t len = 0;
  const std::string ok = "GET /gen/10 HTTP/1.1\r\nHost: a\r\nUser-Agent: t\r\n\r\nextra";
  REQUIRE(parse_request_head(ok, &r, &len) == ParseStatus::kOk);
  CHECK(r.method == "GET");
  CHECK(r.target == "/gen/10");
  CHECK(r.version == "HTTP/1.1");
  CHECK(len == ok.size() - 5);
  CHECK(parse_request_head("GET / HTTP/1.0\n\n", &r, &len) == ParseStatus::kOk);  // bare LF, no Host in 1.0
  CHECK(parse_request_head("GET / HTTP/1.1\r\nHost: a\r\n", &r, &len) == ParseStatus::kIncomplete);
  CHECK(parse_request_head("GET / HTTP/1.1\r\n\r\n", &r, &len) == ParseStatus::kBad);  // 1.1 needs Host
  CHECK(parse_request_head("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &r, &len) == ParseStatus::kBad);
  CHECK(parse_request_head("GET / HTTP/2.0\r\n\r\n", &r, &len) == ParseStatus::kBad);
  CHECK(parse_request_head("GET /\r\n\r\n", &r, &len) == ParseStatus::kBad);
  CHECK(parse_request_head("G(T / HTTP/1.0\r\n\r\n", &r, &len) == ParseStatus::kBad);
  CHECK(parse_request_head("GET / HTTP/1.0\r\nNoColon\r\n\r\n", &r, &len) == ParseStatus::kBad);
  CHECK(parse_request_head("GET / HTTP/1.0\r\nBad Name: x\r\n\r\n", &r, &len) == ParseStatus::kBad);
  CHECK(parse_request_head(std::string(kMaxRequestHead + 1, 'a'), &r, &len) == ParseStatus::kBad);
}

TEST_CASE("routing: /gen/N, methods, bad targets", "[tools][http]") {
  Response g = route_request(req("GET", "/gen/1048576"), "");
  CHECK(g.status == 200);
  CHECK(g.body == BodyKind::kGen);
  CHECK(g.length == 1048576);
  CHECK(route_request(req("GET", "/gen/0"), "").length == 0);
  CHECK(route_request(req("GET", "/gen/1073741824"), "").status == 200);
  CHECK(route_request(req("GET", "/gen/1073741825"), "").status == 400);
  CHECK(route_request(req("GET", "/gen/-1"), "").status == 400);
  CHECK(route_request(req("GET", "/gen/"), "").status == 400);
  CHECK(route_request(req("GET", "/gen/12?x=1"), "").length == 12);
  Response h = route_request(req("HEAD", "/gen/77"), "");
  CHECK((h.status == 200 && h.head_only && h.length == 77));
  Response p = route_request(req("POST", "/gen/1"), "");
  CHECK(p.status == 405);
  CHECK(response_head(p).find("Allow: GET, HEAD\r\n") != std::string::npos);
  CHECK(route_request(req("GET", "gen/1"), "").status == 400);
  CHECK(route_request(req("GET", "/a%zz"), "").status == 400);
  CHECK(route_request(req("GET", "/a%00b"), "").status == 400);
  CHECK(route_request(req("GET", "/hello.txt"), "").status == 404);  // no root: no files
}

TEST_CASE("files: served under the root, 404 missing, 403 for .. and escapes", "[tools][http]") {
  TempRoot root;
  Response f = route_request(req("GET", "/hello.txt"), root.dir);
  CHECK(f.status == 200);
  CHECK(f.body == BodyKind::kFile);
  CHECK(f.length == 12);
  CHECK(f.content_type.starts_with("text/plain"));
  CHECK(route_request(req("GET", "/sub/"), root.dir).length == 10);  // index.html
  CHECK(route_request(req("GET", "/%68ello.txt"), root.dir).status == 200);
  CHECK(route_request(req("GET", "/missing"), root.dir).status == 404);
  CHECK(route_request(req("GET", "/../etc/passwd"), root.dir).status == 403);
  CHECK(route_request(req("GET", "/sub/%2e%2e/hello.txt"), root.dir).status == 403);
  CHECK(route_request(req("GET", "/escape"), root.dir).status == 403);
}

TEST_CASE("responses carry Content-Length and Connection: close", "[tools][http]") {
  for (int status : {400, 403, 404, 405}) {
    const Response e = error_response(status);
    CHECK(e.length == e.text.size());
    const std::string head = response_head(e);
    CHECK(head.starts_with("HTTP/1.1 " + std::to_string(status) + " "));
    CHECK(head.find("Content-Length: " + std::to_string(e.length) + "\r\n") != std::string::npos);
    CHECK(head.find("Connection: close\r\n") != std::string::npos);
    CHECK(head.ends_with("\r\n\r\n"));
  }
}

TEST_CASE("the /gen pattern is byte i = (i * 7 + i / 4096) & 0xff at any offset", "[tools][http]") {
  std::vector<uint8_t> a(10000), b(3000);
  fill_gen_pattern(0, a);
  fill_gen_pattern(4000, b);  // crosses the 4096 step
  for (size_t i = 0; i < a.size(); ++i) REQUIRE(a[i] == static_cast<uint8_t>((i * 7 + i / 4096) & 0xff));
  for (size_t i = 0; i < b.size(); ++i) REQUIRE(b[i] == a[4000 + i]);
  CHECK(gen_byte(4096) == static_cast<uint8_t>((4096 * 7 + 1) & 0xff));
  CHECK(gen_byte((1ull << 30) - 1) == static_cast<uint8_t>((((1ull << 30) - 1) * 7 + ((1ull << 30) - 1) / 4096) & 0xff));
}
