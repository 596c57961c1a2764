// xtcpd's config file (/etc/xtcp/xtcpd.conf, or --config FILE): the same
// keys as the long options, "key = value" per line. It is read into
// "--key=value" arguments placed before the command line's, so parse_options
// sees one argument list and a flag wins over the file (the later value of a
// key wins; steer-port, repeatable, adds up). Parsing is pure and
// unit-tested (tests/daemon/config_file_test.cpp); only read_config_file and
// merge_config_file touch the file system.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xtcp::daemon {

inline constexpr const char* kDefaultConfigFile = "/etc/xtcp/xtcpd.conf";

struct ConfigArgs {
  std::vector<std::string> args;  // "--key=value", in file order
  std::string error;              // "" or one line "FILE:LINE: what is wrong"
};

// '#' at the start of a line (after blanks) makes it a comment; blank lines
// are skipped; every other line is "key = value" with a known key and a
// value that option would accept. `name` is how errors call the file.
ConfigArgs parse_config_text(std::string_view text, const std::string& name);

// Reads and parses the file at path (at most 1 MiB).
ConfigArgs read_config_file(const std::string& path);

struct MergedArgs {
  std::vector<std::string> args;  // the file's, then the command line's
  std::string error;              // "" or one line
};

// Takes --config FILE / --config=FILE out of args and puts that file's
// settings first; without --config, the default file's when it exists.
// A --config file that cannot be read is an error; a missing default is not.
MergedArgs merge_config_file(const std::vector<std::string_view>& args,
                             const std::string& default_file);

// --config and --version, for the end of xtcpd --help.
const char* config_usage_text();

}  // namespace xtcp::daemon
