// The daemon's end of a per-connection shared-memory channel
// (include/xtcp/channel_abi.h, docs/daemon-design.md "Shared-memory channel").
//
// The daemon creates the sealed memfd, hands the ring memory to the TCP
// engine (tcp::BufferMemory: payload goes straight into the app's ring, the
// one copy) and publishes its indices. Everything the app writes is
// untrusted: read once per pass, validated against the daemon's own view.
// Nothing here blocks, throws or allocates after create().
//
// One shard pass over a connection:
//   auto in = ch.read_app_indices();
//   if (in.violation != ChannelViolation::kNone) -> reset the connection,
//       count app_ring_violations;
//   conn.commit(in.tx_new); conn.consume(in.rx_freed); ... engine work ...
//   ch.publish_rx(..); ch.publish_tx_consumed(..); ch.publish_events(..);
//   if (ch.should_wake_app()) write the app's notify eventfd;
//   when idle: if (!ch.arm_kick()) sleep on the kick eventfd, then
//       ch.disarm_kick() on wake.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "xtcp/channel_abi.h"

namespace xtcp::daemon {

// Why the daemon stopped trusting an app's indices.
enum class ChannelViolation : uint8_t {
  kNone,
  kTxProdBackwards,  // tx.prod moved below a value already accepted
  kTxProdOverrun,    // tx.prod - tx.cons > tx ring size
  kRxConsBackwards,  // rx.cons moved below a value already accepted
  kRxConsAhead,      // rx.cons > rx.prod (consumed bytes never delivered)
};

const char* to_string(ChannelViolation v);

// The result of one validated read of the app-written fields.
struct AppIndices {
  ChannelViolation violation = ChannelViolation::kNone;
  uint64_t tx_new = 0;     // bytes the app wrote since the previous pass
  uint64_t rx_freed = 0;   // bytes the app consumed since the previous pass
  uint32_t app_flags = 0;  // XTCP_CHAN_APP_* as read this pass
};

// What the daemon reports in the events word.
struct ChannelEvents {
  bool established = false;
  bool peer_fin = false;
  bool closed = false;
  uint16_t error = 0;  // positive errno (ECONNRESET, ...), 0: none
  xtcp_chan_state state = XTCP_CHAN_STATE_CLOSED;
};

uint64_t encode_events(const ChannelEvents& ev);

struct ChannelError {
  int code = 0;         // negative errno
  std::string message;  // one sentence: what was wrong, what to do
};

class DaemonChannel {
 public:
  // rx_size / tx_size: powers of two in [XTCP_CHAN_RING_MIN,
  // XTCP_CHAN_RING_MAX]. Returns nullopt and fills *err on failure.
  static std::optional<DaemonChannel> create(size_t rx_size, size_t tx_size,
                                             ChannelError* err = nullptr);

  DaemonChannel(DaemonChannel&& other) noexcept;
  DaemonChannel& operator=(DaemonChannel&& other) noexcept;
  DaemonChannel(const DaemonChannel&) = delete;
  DaemonChannel& operator=(const DaemonChannel&) = delete;
  ~DaemonChannel();

  // The memfd to pass to the app (still owned by this object).
  int fd() const { return fd_; }
  size_t total_size() const { return total_; }
  // Ring memory for tcp::BufferMemory{rx, tx}.
  std::span<uint8_t> rx_ring() const { return rx_; }
  std::span<uint8_t> tx_ring() const { return tx_; }

  // Loads app_flags, tx.prod and rx.cons once each (acquire) and validates
  // them against the daemon's view. A violation latches: every later call
  // returns it again with zero deltas.
  AppIndices read_app_indices();
  bool violated() const { return violation_ != ChannelViolation::kNone; }

  // Daemon-side publication (release). Each returns false, publishing
  // nothing, if the value would break the ring (a daemon bug, not the app's).
  bool publish_rx(uint64_t prod);            // rx.prod: bytes delivered
  bool publish_tx_consumed(uint64_t cons);   // tx.cons: bytes acked, freed
  void publish_events(const ChannelEvents& ev);

  // No-lost-wakeup protocol: arms daemon_wants_kick (a new odd value per
  // arm), full fence, re-reads tx.prod, rx.cons and app_flags. Returns true
  // (and disarms again) if any moved past what read_app_indices() accepted:
  // do another pass instead of sleeping.
  bool arm_kick();
  // Called on wake-up, before the next pass: clears the flag and fences, so
  // the pass sees every publish made while the flag still read armed.
  void disarm_kick();
  // After publishing: full fence, then app_wants_wake. True (once per sleep
  // the app announced): write the app's notify eventfd.
  bool should_wake_app();

  // The daemon's own view (what it published / accepted).
  uint64_t rx_prod() const { return rx_prod_; }
  uint64_t rx_cons_seen() const { return rx_cons_seen_; }
  uint64_t tx_prod_seen() const { return tx_prod_seen_; }
  uint64_t tx_cons() const { return tx_cons_; }

 private:
  DaemonChannel() = default;
  void release();
  ChannelViolation validate(uint64_t tx_prod, uint64_t rx_cons) const;

  int fd_ = -1;
  xtcp_chan_header* hdr_ = nullptr;
  size_t total_ = 0;
  std::span<uint8_t> rx_;
  std::span<uint8_t> tx_;
  uint64_t rx_prod_ = 0;
  uint64_t rx_cons_seen_ = 0;
  uint64_t tx_prod_seen_ = 0;
  uint64_t tx_cons_ = 0;
  uint32_t app_flags_seen_ = 0;
  uint64_t arm_count_ = 0;
  uint64_t last_woken_ = 0;
  ChannelViolation violation_ = ChannelViolation::kNone;
};

}  // namespace xtcp::daemon
