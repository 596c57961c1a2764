// A small demultiplexer for tests and the simulated link: connections by
// four-tuple, listeners by local port, a RST for everything else (RFC 9293
// 3.10.7.1). The daemon uses its own O(1) flow table instead.
#pragma once

#include <cstddef>
#include <memory>
#include <unordered_map>
#include <vector>

#include "tcp/connection.h"
#include "tcp/listener.h"

namespace xtcp::tcp {

struct FourTupleHash {
  size_t operator()(const FourTuple& t) const;
};

class Endpoint {
 public:
  Connection* connect(const TcpConfig& config, const FourTuple& tuple, wire::SeqNumber isn,
                      Instant now);
  Listener* listen(const TcpConfig& config, uint16_t port, IsnSource isn,
                   uint32_t syn_backlog = kDefaultSynBacklog,
                   uint32_t accept_backlog = kDefaultAcceptBacklog);
  // Moves the next established connection of the listener on `port` into
  // the endpoint; nullptr when none.
  Connection* accept(uint16_t port);
  Connection* find(const FourTuple& tuple);
  // Drops CLOSED connections (after the app saw their state).
  void reap();

  // `tuple`: local = the segment's destination.
  void on_segment(const FourTuple& tuple, const wire::TcpRepr& seg, Instant now);
  bool poll_transmit(Instant now, FourTuple& tuple, OutSegment& out);
  Instant poll_at() const;

 private:
  std::unordered_map<FourTuple, std::unique_ptr<Connection>, FourTupleHash> conns_;
  std::unordered_map<uint16_t, std::unique_ptr<Listener>> listeners_;
  std::vector<std::pair<FourTuple, wire::TcpRepr>> resets_;
};

}  // namespace xtcp::tcp
