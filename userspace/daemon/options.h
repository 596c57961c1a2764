// Command-line parsing for xtcpd. Pure: no syscalls, no printing, so the
// rules are unit-tested (tests/daemon/options_test.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/config.h"
#include "stack/fault_packet_io.h"

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

// Parses the value of --fault, "rx-drop=0.01,rx-reorder=0.01,seed=7":
// fractions from 0 to 1 for rx-drop, rx-dup, rx-reorder, rx-corrupt,
// rx-delay, tx-drop, tx-dup, tx-corrupt; reorder-depth=K (1..32),
// delay-ms=N (1..1000), seed=N. Returns "" or why the value is wrong.
std::string parse_fault_spec(std::string_view spec, stack::FaultConfig* out);

// True for an option that takes a value ("--queues"); the config file's
// keys are exactly these names without the "--".
bool is_option_name(std::string_view name);

// Checks and applies one "--name value" to c: "" or the error sentence.
std::string apply_option(Config& c, std::string_view name, std::string_view value);

// The text printed by --help.
const char* usage_text();

}  // namespace xtcp::daemon
