// ShardBridge: the daemon's ShardEvents for one shard, on that shard's
// thread. It moves bytes and state between the engine and each app's
// channel (daemon-design.md "Shared-memory channel"):
//   on_sync      read the app's indices once, validate, commit new send
//                bytes, consume read bytes, apply shutdown/close requests,
//                re-arm the kick (event-index style);
//   on_readable / on_writable / state changes: publish rx.prod, tx.cons,
//                events, and write the app's notify eventfd only when the
//                app announced a sleep;
// and hands session events (accepted, command results, closed) to the
// control thread as Completions. before_pass() turns fired kick eventfds
// into Shard::kick (only kicked connections are visited).
#pragma once

#include <atomic>
#include <deque>
#include <mutex>

#include "daemon/channel_memory.h"
#include "daemon/completion.h"
#include "stack/mpsc_queue.h"
#include "stack/shard.h"

namespace xtcp::daemon {

// Shared by every shard: the queue to the control thread.
class CompletionQueue {
 public:
  explicit CompletionQueue(size_t capacity) : q_(capacity) { (void)stack::EventFd::create(fd_); }
  bool push(Completion&& c);
  bool pop(Completion& out) { return q_.try_pop(out); }
  int fd() const { return fd_.fd(); }
  void drain_fd() const { (void)fd_.drain(); }

 private:
  stack::MpscQueue<Completion> q_;
  stack::EventFd fd_;
};

struct BridgeStats {
  uint64_t ring_violations = 0;  // an app wrote impossible indices: reset
  uint64_t kicks = 0;            // kick eventfds that fired
  uint64_t app_wakes = 0;        // notify eventfd writes
  uint64_t no_channel = 0;       // connection without a channel: reset
  uint64_t completion_overflow = 0;
};

class ShardBridge final : public stack::ShardEvents {
 public:
  ShardBridge(uint32_t shard_index, ChannelMemory& memory, CompletionQueue& out)
      : index_(shard_index), memory_(memory), out_(out) {}
  void attach(stack::Shard& shard) { shard_ = &shard; }

  // Loop hooks (shard thread).
  bool before_pass();

  void on_command_done(uint64_t token, int err, stack::ConnId conn) override;
  void on_accepted(const stack::ListenerId& l, stack::ConnId conn,
                   const tcp::FourTuple& t) override;
  void on_established(stack::ConnId conn) override;
  void on_sync(stack::ConnId conn, tcp::Connection& c) override;
  void on_readable(stack::ConnId conn) override;
  void on_writable(stack::ConnId conn) override;
  void on_closed(stack::ConnId conn, tcp::TcpError err) override;

  const BridgeStats& stats() const { return stats_; }

 private:
  DaemonConn* find(stack::ConnId id, std::shared_ptr<DaemonConn>* keep = nullptr);
  void publish(DaemonConn& d, tcp::Connection& c);
  void wake_app(DaemonConn& d);
  void send(Completion&& c);

  uint32_t index_;
  ChannelMemory& memory_;
  CompletionQueue& out_;
  stack::Shard* shard_ = nullptr;
  std::deque<Completion> overflow_;  // the queue was full; retried each pass
  BridgeStats stats_;
};

}  // namespace xtcp::daemon
