#include "root_env.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace xsktest {

const Env& env() {
  static Env e;
  auto get = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  e.peer_ns = get("XTXSK_PEER_NS");
  e.dut_ns = get("XTXSK_DUT_NS");
  e.peer_if = get("XTXSK_PEER_IF");
  e.dut_if = get("XTXSK_DUT_IF");
  e.peer_mac = get("XTXSK_PEER_MAC");
  INFO("run through tests/xsk/netns_run.sh (as root): it creates the namespaces");
  REQUIRE_FALSE(e.dut_if.empty());
  return e;
}

void in_peer(const std::function<void()>& fn) {
  const std::string path = "/run/netns/" + env().peer_ns;
  bool joined = false;
  std::thread t([&] {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    joined = setns(fd, CLONE_NEWNET) == 0;
    close(fd);
    if (joined) fn();
  });
  t.join();
  REQUIRE(joined);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace xsktest
