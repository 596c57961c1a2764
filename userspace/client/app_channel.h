// The application's end of a per-connection shared-memory channel
// (include/xtcp/channel_abi.h). libxtcp builds send/recv on it: while the
// daemon is awake a send or recv is a copy plus an index store, no syscall.
//
//   auto ch = AppChannel::open(memfd, &err);   // validates the header
//   n = ch->write(data); if (ch->needs_kick()) write(kick_efd, 1);
//   n = ch->read(buf);   if (n && ch->needs_kick()) write(kick_efd, 1);
//   blocking: if (ch->prepare_sleep(kReadable)) poll(notify_efd);
//             ch->finish_sleep();
//
// One thread at a time per channel (the library serialises callers). The
// daemon's indices are clamped to the ring size before use, so even a
// corrupt header cannot make this code touch memory outside the mapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "xtcp/channel_abi.h"

namespace xtcp::client {

enum class ChannelOpenError : uint8_t {
  kNone,
  kStat,          // fstat failed (not a file descriptor?)
  kTooSmall,      // smaller than the header page
  kRead,          // the header could not be read
  kBadMagic,      // not an xtcp channel
  kBadVersion,    // a daemon of another ABI version
  kBadLayout,     // header_size / cacheline size differ from this library's
  kBadRingSize,   // a ring size that is not a power of two in range
  kBadOffsets,    // ring offsets not where the ABI puts them
  kSizeMismatch,  // total_size differs from the file's size
  kMap,           // mmap failed
};

// One sentence saying what was wrong and what to do.
const char* describe(ChannelOpenError e);

// Two pieces of a ring region, in ring order (the second is empty unless
// the region wraps).
template <class Byte>
struct RingSpans {
  std::span<Byte> first;
  std::span<Byte> second;
  size_t size() const { return first.size() + second.size(); }
  bool empty() const { return size() == 0; }
};

// Decoded events word.
struct AppEvents {
  bool established = false;
  bool peer_fin = false;
  bool error = false;
  bool closed = false;
  int error_code = 0;  // positive errno
  xtcp_chan_state state = XTCP_CHAN_STATE_CLOSED;
};

AppEvents decode_events(uint64_t word);

// What prepare_sleep() waits for.
enum WaitFor : unsigned {
  kReadable = 1u << 0,  // rx bytes, peer FIN, error or closed
  kWritable = 1u << 1,  // tx space, error or closed
  kEvents = 1u << 2,    // any change of the events word since events()
};

class AppChannel {
 public:
  // Maps `fd` (a memfd received from the daemon). The fd is not taken over:
  // the caller may close it once open() returned. nullopt + *err on refusal.
  static std::optional<AppChannel> open(int fd, ChannelOpenError* err = nullptr);

  AppChannel(AppChannel&& other) noexcept;
  AppChannel& operator=(AppChannel&& other) noexcept;
  AppChannel(const AppChannel&) = delete;
  AppChannel& operator=(const AppChannel&) = delete;
  ~AppChannel();

  size_t rx_size() const { return rx_.size(); }
  size_t tx_size() const { return tx_.size(); }

  // ---- send (tx ring) ----
  // Copies what fits and publishes it; returns the bytes taken.
  size_t write(std::span<const uint8_t> data);
  // Zero-copy: fill writable(), then commit(n) (n <= writable().size()).
  RingSpans<uint8_t> writable();
  void commit(size_t n);
  size_t tx_free();

  // ---- receive (rx ring) ----
  // Copies what is there and releases it; returns bytes read (0: empty).
  size_t read(std::span<uint8_t> out);
  RingSpans<const uint8_t> readable();
  void consume(size_t n);
  size_t rx_available();
  // The daemon's rx index: bytes ever delivered (for edge detection only).
  uint64_t rx_delivered() const;
  // The events word without remembering it (events() does, for kEvents).
  uint64_t peek_events() const;

  // ---- state ----
  uint64_t events();  // acquire load; remembered for kEvents
  void request_shutdown_write();
  void request_close();
  // XTCP_CHAN_APP_NODELAY (xtcp_setopt XTCP_NODELAY without a round trip).
  void set_nodelay(bool on);
  bool nodelay() const { return (flags_ & XTCP_CHAN_APP_NODELAY) != 0; }

  // ---- wakers ----
  // After publishing (write/commit/read/consume/request_*): true when the
  // daemon sleeps and the kick eventfd must be written (once per arm).
  bool needs_kick();
  // Before blocking: announces the sleep, then re-checks. True: nothing in
  // `what` is ready, sleep on the notify eventfd. False: ready, do not
  // sleep. Call finish_sleep() either way.
  bool prepare_sleep(unsigned what);
  void finish_sleep();
  // Readiness without announcing anything (for epoll-style checks).
  bool ready(unsigned what);

 private:
  AppChannel() = default;
  void release();

  xtcp_chan_header* hdr_ = nullptr;
  size_t total_ = 0;
  std::span<uint8_t> rx_;
  std::span<uint8_t> tx_;
  uint64_t rx_cons_ = 0;  // app-written indices: this side's copy is truth
  uint64_t tx_prod_ = 0;
  uint32_t flags_ = 0;
  uint64_t events_seen_ = 0;
  uint64_t last_kicked_ = 0;  // daemon_wants_kick value already kicked for
  uint64_t sleep_count_ = 0;
};

}  // namespace xtcp::client
