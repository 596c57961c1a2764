// Command-line parsing for xtcpd. Pure: no syscalls, no printing, so the
// rules are unit-tested (tests/daemon/options_test.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/config.h"

namespace xtcp::daemon {

struct ParsedOptions {
  enum class Action { kRun, kHelp, kError };
  Action action = Action::kError;
  Config config;
  std::string error;  // kError: one sentence, without the "xtcpd: " prefix
};

// args excludes argv[0]. Accepts "--opt value" and "--opt=value".
// default_socket is used when --socket is absent (default_socket_path()).
ParsedOptions parse_options(const std::vector<std::string_view>& args,
                            const std::string& default_socket);

// The text printed by --help.
const char* usage_text();

}  // namespace xtcp::daemon
