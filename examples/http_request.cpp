#include "http_request.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cctype>
#include <charconv>

namespace xtcp::examples {
namespace {

// tchar of RFC 9110 5.6.2.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!std::isalnum(c) && std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos)
      return false;
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// One line without its CRLF (a bare LF is accepted too, RFC 9112 2.2).
std::string_view next_line(std::string_view buf, size_t* pos) {
  const size_t lf = buf.find('\n', *pos);
  std::string_view line = buf.substr(*pos, lf - *pos);
  *pos = lf + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool parse_request_line(std::string_view line, HttpRequest* out) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = line.find(' ', sp1 == std::string_view::npos ? sp1 : sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) return false;
  out->method = line.substr(0, sp1);
  out->target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  out->version = line.substr(sp2 + 1);
  return is_token(out->method) && !out->target.empty() &&
         out->target.find(' ') == std::string::npos &&
         (out->version == "HTTP/1.0" || out->version == "HTTP/1.1");
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// Percent-decodes a path; false on a bad escape or a NUL byte.
bool decode_path(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      const int hi = i + 1 < in.size() ? hex_value(in[i + 1]) : -1;
      const int lo = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return false;
    *out += c;
  }
  return true;
}

bool has_dotdot_segment(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

std::string content_type_for(std::string_view path) {
  const size_t dot = path.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : path.substr(dot + 1);
  if (ext == "html" || ext == "htm") return "text/html; charset=utf-8";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "css") return "text/css";
  if (ext == "js") return "text/javascript";
  return "application/octet-stream";
}

Response gen_response(std::string_view n_text) {
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(n_text.data(), n_text.data() + n_text.size(), n);
  if (n_text.empty() || ec != std::errc() || p != n_text.data() + n_text.size() || n > kMaxGenBytes)
    return error_response(400);
  Response r;
  r.status = 200;
  r.body = BodyKind::kGen;
  r.length = n;
  r.content_type = "application/octet-stream";
  return r;
}

Response file_response(const std::string& path, const std::string& root) {
  if (root.empty()) return error_response(404);
  if (has_dotdot_segment(path)) return error_response(403);
  char real_root[PATH_MAX], real[PATH_MAX];
  if (!realpath(root.c_str(), real_root)) return error_response(404);
  std::string full = std::string(real_root) + path;
  struct stat st;
  if (stat(full.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) full += "/index.html";
  if (!realpath(full.c_str(), real)) return error_response(404);
  // A symlink may lead out of the root: only paths under it are served.
  const std::string inside(real), base = std::string(real_root) + "/";
  if (inside.compare(0, base.size(), base) != 0) return error_response(403);
  if (stat(real, &st) != 0) return error_response(404);
  if (!S_ISREG(st.st_mode)) return error_response(403);
  Response r;
  r.status = 200;
  r.body = BodyKind::kFile;
  r.length = static_cast<uint64_t>(st.st_size);
  r.content_type = content_type_for(inside);
  r.file = inside;
  return r;
}

}  // namespace

void fill_gen_pattern(uint64_t offset, std::span<uint8_t> out) {
  for (size_t k = 0; k < out.size(); ++k) out[k] = gen_byte(offset + k);
}

ParseStatus parse_request_head(std::string_view buf, HttpRequest* out, size_t* head_len) {
  // The head ends at the first empty line, CRLF or bare LF.
  size_t end = buf.find("\r\n\r\n");
  size_t term = 4;
  if (const size_t lf = buf.find("\n\n"); lf != std::string_view::npos && (end == std::string_view::npos || lf < end))
    end = lf, term = 2;
  if (end == std::string_view::npos)
    return buf.size() > kMaxRequestHead ? ParseStatus::kBad : ParseStatus::kIncomplete;
  if (end + term > kMaxRequestHead) return ParseStatus::kBad;
  const std::string_view head = buf.substr(0, end + term);
  size_t pos = 0;
  if (!parse_request_line(next_line(head, &pos), out)) return ParseStatus::kBad;
  out->has_host = false;
  for (std::string_view line = next_line(head, &pos); !line.empty(); line = next_line(head, &pos)) {
    const size_t colon = line.find(':');
    // RFC 9112 5.1: no whitespace between the field name and the colon.
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) return ParseStatus::kBad;
    if (iequals(line.substr(0, colon), "host")) {
      if (out->has_host) return ParseStatus::kBad;  // RFC 9112 3.2: exactly one
      out->has_host = true;
    }
  }
  // RFC 9112 3.2: an HTTP/1.1 request without Host gets 400.
  if (out->version == "HTTP/1.1" && !out->has_host) return ParseStatus::kBad;
  *head_len = end + term;
  return ParseStatus::kOk;
}

const char* status_text(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    default: return "Internal Server Error";
  }
}

Response error_response(int status) {
  Response r;
  r.status = status;
  r.body = BodyKind::kText;
  r.text = std::to_string(status) + " " + status_text(status) + "\n";
  r.length = r.text.size();
  r.content_type = "text/plain; charset=utf-8";
  return r;
}

Response route_request(const HttpRequest& req, const std::string& root) {
  const bool head = req.method == "HEAD";
  Response r;
  if (req.method != "GET" && !head) {
    r = error_response(405);
  } else if (req.target.empty() || req.target[0] != '/') {
    r = error_response(400);  // origin-form only (RFC 9112 3.2.1)
  } else {
    const std::string_view raw = std::string_view(req.target).substr(0, req.target.find('?'));
    std::string path;
    if (!decode_path(raw, &path)) r = error_response(400);
    else if (path.starts_with("/gen/")) r = gen_response(std::string_view(path).substr(5));
    else r = file_response(path, root);
  }
  r.head_only = head;
  return r;
}

std::string response_head(const Response& r) {
  std::string h = "HTTP/1.1 " + std::to_string(r.status) + " " + status_text(r.status) + "\r\n";
  h += "Server: xtcp-http-example\r\n";
  if (!r.content_type.empty()) h += "Content-Type: " + r.content_type + "\r\n";
  h += "Content-Length: " + std::to_string(r.length) + "\r\n";
  if (r.status == 405) h += "Allow: GET, HEAD\r\n";
  h += "Connection: close\r\n\r\n";
  return h;
}

}  // namespace xtcp::examples
