#include "daemon/config_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "daemon/config.h"
#include "daemon/options.h"

namespace xtcp::daemon {
namespace {

constexpr size_t kMaxConfigBytes = 1 << 20;

std::string_view trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// One non-comment line: "" and the argument, or the reason it is wrong.
std::string parse_line(std::string_view line, std::string* arg) {
  const size_t eq = line.find('=');
  if (eq == std::string_view::npos)
    return "expected 'key = value', got '" + std::string(line) + "'";
  const std::string_view key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
  const std::string flag = "--" + std::string(key);
  if (key.empty() || key.substr(0, 1) == "-" || !is_option_name(flag))
    return "unknown key '" + std::string(key) +
           "' (the keys are xtcpd's long options without '--'; see xtcpd --help)";
  Config scratch;  // checks the value the way the flag would
  if (std::string err = apply_option(scratch, flag, value); !err.empty()) return err;
  *arg = flag + "=" + std::string(value);
  return "";
}

ConfigArgs failed(std::string why) {
  ConfigArgs r;
  r.error = std::move(why);
  return r;
}

}  // namespace

ConfigArgs parse_config_text(std::string_view text, const std::string& name) {
  ConfigArgs r;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    const std::string_view raw = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (raw.find('\0') != std::string_view::npos)
      return failed(name + ":" + std::to_string(line_no) + ": a NUL byte; this is not a text file");
    const std::string_view line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    std::string arg;
    if (std::string err = parse_line(line, &arg); !err.empty())
      return failed(name + ":" + std::to_string(line_no) + ": " + err);
    r.args.push_back(std::move(arg));
  }
  return r;
}

ConfigArgs read_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return failed("cannot read config file " + path + ": " + std::strerror(errno));
  std::string text(kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return failed("cannot read config file " + path + ": " + std::strerror(errno));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxConfigBytes)
    return failed("config file " + path + " is larger than 1 MiB; is it the right file?");
  return parse_config_text(text, path);
}

MergedArgs merge_config_file(const std::vector<std::string_view>& args,
                             const std::string& default_file) {
  MergedArgs r;
  std::vector<std::string> rest;
  std::string file;
  bool explicit_file = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--config") {
      if (i + 1 >= args.size() || args[i + 1].substr(0, 2) == "--") {
        r.error = "--config needs a file; see xtcpd --help";
        return r;
      }
      file = args[++i];
      explicit_file = true;
    } else if (a.substr(0, 9) == "--config=") {
      file = a.substr(9);
      explicit_file = true;
    } else {
      rest.emplace_back(a);
    }
  }
  if (explicit_file && file.empty()) {
    r.error = "--config needs a file; see xtcpd --help";
    return r;
  }
  if (!explicit_file && !default_file.empty() && access(default_file.c_str(), F_OK) == 0)
    file = default_file;
  if (!file.empty()) {
    ConfigArgs c = read_config_file(file);
    if (!c.error.empty()) {
      r.error = c.error;
      return r;
    }
    r.args = std::move(c.args);
  }
  for (std::string& a : rest) r.args.push_back(std::move(a));
  return r;
}

const char* config_usage_text() {
  return "  --config FILE        settings as 'key = value' lines, the keys being the\n"
         "                       options above without '--'; flags win (default\n"
         "                       /etc/xtcp/xtcpd.conf when it exists)\n"
         "  --version            print the version and exit\n";
}

}  // namespace xtcp::daemon
