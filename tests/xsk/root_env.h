// The namespace pair netns_run.sh created for the xsk root tests.
#pragma once

#include <functional>
#include <string>

namespace xsktest {

struct Env {
  std::string peer_ns, dut_ns, peer_if, dut_if, peer_mac;
};

// Fails the current test (REQUIRE) when not run through netns_run.sh.
const Env& env();

// Runs fn in a new thread that has joined the peer namespace (setns only
// changes the calling thread), and waits for it.
void in_peer(const std::function<void()>& fn);

std::string read_file(const std::string& path);

}  // namespace xsktest
