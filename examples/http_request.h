// The HTTP side of the example server, without any I/O on connections:
// request-head parsing (RFC 9112), routing to a response, the /gen/N byte
// pattern and the response head. Kept apart so tests/tools can check it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace xtcp::examples {

// Largest /gen/N body: 1 GiB.
constexpr uint64_t kMaxGenBytes = 1ull << 30;
// A request head longer than this is refused (431 would be kinder, 400 is
// what RFC 9112 allows for any malformed head).
constexpr size_t kMaxRequestHead = 16 * 1024;

// Byte i of every /gen/N body: (i * 7 + i / 4096) & 0xff.
inline uint8_t gen_byte(uint64_t i) { return static_cast<uint8_t>((i * 7 + i / 4096) & 0xff); }
// Fills out with bytes [offset, offset + out.size()) of the pattern.
void fill_gen_pattern(uint64_t offset, std::span<uint8_t> out);

struct HttpRequest {
  std::string method;
  std::string target;
  std::string version;  // "HTTP/1.0" or "HTTP/1.1"
  bool has_host = false;
};

enum class ParseStatus { kIncomplete, kOk, kBad };

// Parses the request line and header fields up to the empty line (RFC 9112
// 2.1, 3, 5). kIncomplete: need more bytes; *head_len is set on kOk.
ParseStatus parse_request_head(std::string_view buf, HttpRequest* out, size_t* head_len);

enum class BodyKind { kNone, kText, kGen, kFile };

struct Response {
  int status = 500;
  BodyKind body = BodyKind::kNone;
  uint64_t length = 0;       // Content-Length
  std::string content_type;
  std::string text;          // kText body
  std::string file;          // kFile: resolved path under root
  bool head_only = false;    // HEAD: same headers, no body
};

// An error response with a short text body ("404 Not Found\n").
Response error_response(int status);
// What to answer; root "" serves no files. Looks at the file system (stat,
// realpath) for file targets; never opens the file.
Response route_request(const HttpRequest& req, const std::string& root);
// "HTTP/1.1 200 OK\r\n...Content-Length: N\r\nConnection: close\r\n\r\n"
std::string response_head(const Response& r);
const char* status_text(int status);

}  // namespace xtcp::examples
