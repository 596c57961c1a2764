// A StatsSource with counters the test controls.
#pragma once

#include <string>

#include "daemon/stats.h"

namespace xtcp::test {

class FakeStats : public xtcp::daemon::StatsSource {
 public:
  explicit FakeStats(size_t n = 3) : n_(n) {}
  xtcp::daemon::DaemonInfo info() const override {
    return {"xt-test", XTCP_BIND_COPY, 2};
  }
  // Counter i is named "c<i>" with value base + i; every snapshot bumps
  // base so a test can tell snapshots apart.
  void snapshot(xtcp::daemon::StatList& out) override {
    out.clear();
    for (size_t i = 0; i < n_; ++i) xtcp::daemon::add_stat(out, "c" + std::to_string(i), base_ + i);
    base_ += 1000;
    ++snapshots_;
  }
  int snapshots() const { return snapshots_; }

 private:
  size_t n_;
  uint64_t base_ = 0;
  int snapshots_ = 0;
};

}  // namespace xtcp::test
