// AppStack: the control thread's side of the application API. It owns the
// per-session state (listeners, connections, ids an app may name), the
// kernel port reservations and the limits, and turns requests into shard
// commands; shard answers come back as Completions (completion_fd()).
//
// Threads: every method runs on the control thread. Shards are reached
// only through Shard::post(); DaemonConn is shared for its descriptors and
// its atomic snapshot (daemon_conn.h).
//
// Ownership rules (issue 4, "Security"): an id names a listener or a
// connection only inside the session that created or accepted it; when a
// session ends, its connections are reset, its listeners removed, its ports
// released. A connection the app closed lives on in its shard until TCP is
// done with it (FIN, TIME-WAIT) and keeps its kernel port until then.
#pragma once

#include <array>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "daemon/app_api.h"
#include "daemon/completion.h"
#include "daemon/port_reservation.h"
#include "daemon/shard_bridge.h"
#include "daemon/shard_unit.h"
#include "daemon/stats.h"
#include "stack/event_fd.h"

namespace xtcp::daemon {

struct AppLimits {
  static constexpr uint32_t kDefaultConnsPerApp = 8192;
  static constexpr uint32_t kDefaultListenersPerApp = 64;
  static constexpr uint64_t kDefaultMemoryPerApp = uint64_t{4} << 30;
  uint32_t conns_per_app = kDefaultConnsPerApp;
  uint32_t listeners_per_app = kDefaultListenersPerApp;
  uint64_t memory_per_app = kDefaultMemoryPerApp;  // channel bytes
};

struct AppStackConfig {
  AppLimits limits;
  uint64_t channel_bytes = 0;  // one connection's channel (header + rings)
  uint32_t rx_ring = 0;
  uint32_t tx_ring = 0;
  std::optional<wire::IpAddress> local_v4;  // default sources for CONNECT
  std::optional<wire::IpAddress> local_v6;
  std::vector<wire::IpAddress> addresses;   // every address of the interface
  std::optional<gid_t> socket_gid;          // --socket-group: sees every connection
};

struct AppCounters {
  uint64_t sessions_opened = 0;
  uint64_t requests = 0;
  uint64_t refused_limit = 0;    // EMFILE / ENOMEM for a per-app limit
  uint64_t accept_overflow = 0;  // connection reset: listener backlog full
  uint64_t orphans_reset = 0;    // connections reset because their app died
};

class AppStack final : public AppApi {
 public:
  AppStack(std::vector<ShardUnit*> shards, CompletionQueue& completions, ReplySink& sink,
           AppStackConfig cfg);
  ~AppStack() override;

  int completion_fd() const { return completions_.fd(); }
  // Handles every completion the shards queued (call when completion_fd()
  // is readable, and after requests), and retries commands a full shard
  // queue refused.
  void drain_completions();
  // How long the control loop may sleep: -1, or a retry interval while
  // refused commands wait.
  int next_timeout_ms() const { return retry_.empty() ? -1 : kRetryMs; }
  void add_stats(StatList& out) const;

  void session_opened(uint32_t session, PeerCredentials creds) override;
  bool request(uint32_t session, const uint8_t* msg, size_t len, Reply* out) override;
  void session_closed(uint32_t session) override;
  void message_from(uint32_t session, pid_t pid, uid_t uid) override;
  void connections(uint32_t session, std::vector<xtcp_ctl_conn_entry>& out) override;

 private:
  using ConnKey = std::pair<uint32_t, stack::ConnId>;  // shard, id
  using AddrKey = std::tuple<uint8_t, std::array<uint8_t, 16>, uint16_t>;

  struct ConnOptions {
    bool no_delay = false;
    xtcp_ctl_keepalive keepalive{};
    uint32_t rcvbuf = 0;
    uint32_t sndbuf = 0;
    tcp::CcAlgorithm cc = tcp::kDefaultCc;  // what the shard runs (tcp::TcpConfig::cc)
    uint32_t user_timeout_ms = 0;
  };
  struct ConnRec {
    uint32_t session = 0;   // 0: no app holds it any more
    uint32_t app_id = 0;    // 0 while queued on a listener
    uint32_t listener = 0;  // listener key while queued
    pid_t pid = 0;
    std::shared_ptr<DaemonConn> dc;
    PortReservation port;   // active opens hold their own port
    bool gone = false;      // the shard released it (kept until the app closes)
    ConnOptions options;
  };
  struct ListenerRec {
    uint32_t session = 0;  // the session that listened (holders may differ)
    uint32_t app_id = 0;
    uint32_t holders = 1;  // sessions naming it: the LISTEN one plus SHAREs
    std::array<uint8_t, XTCP_CTL_SHARE_KEY_LEN> share_key{};
    stack::ListenerId id;
    stack::EventFd ready;
    std::deque<ConnKey> pending;
    uint32_t backlog = 0;
    PortReservation port;
  };
  struct Session {
    PeerCredentials creds;  // who connected
    pid_t sender_pid = 0;   // who sent the current message (message_from)
    uid_t sender_uid = static_cast<uid_t>(-1);
    bool sender_known = false;
    uid_t uid() const { return sender_known ? sender_uid : creds.uid(); }
    pid_t pid() const { return sender_known ? sender_pid : creds.pid(); }
    bool may_bind_privileged_port() const {
      return sender_known ? daemon::may_bind_privileged_port(sender_pid, sender_uid)
                          : creds.may_bind_privileged_port();
    }
    std::map<uint32_t, ConnKey> conns;       // app id -> connection
    std::map<uint32_t, uint32_t> listeners;  // app id -> listener key
    uint32_t next_id = 1;
    uint32_t connecting = 0;  // CONNECTs waiting for their shard
  };
  struct Op {  // a request waiting for shard answers
    uint32_t session = 0;
    uint32_t seq = 0;
    uint16_t type = 0;
    uint32_t remaining = 0;
    int err = 0;
    uint32_t listener = 0;  // LISTEN
    PortReservation port;   // CONNECT
  };

  // Requests (app_requests.cpp).
  bool on_listen(Session& s, uint32_t sid, const xtcp_ctl_listen& m, Reply* out);
  bool on_accept(Session& s, uint32_t sid, const xtcp_ctl_accept& m, Reply* out);
  bool on_share(Session& s, const xtcp_ctl_share& m, Reply* out);
  bool on_connect(Session& s, uint32_t sid, const xtcp_ctl_connect& m, Reply* out);
  bool on_shutdown(Session& s, const xtcp_ctl_shutdown& m, Reply* out);
  bool on_close(Session& s, const xtcp_ctl_close& m, Reply* out);
  bool on_set_option(Session& s, const xtcp_ctl_option& m, Reply* out);
  bool on_get_option(Session& s, const xtcp_ctl_option& m, Reply* out);

  // Completions (app_stack.cpp).
  void on_command_done(Completion& c);
  void on_accepted(Completion& c);
  void on_closed(Completion& c);
  void finish_listen(uint64_t token, Op& op);
  void finish_connect(Op& op, Completion& c);

  // Helpers.
  bool post(uint32_t shard, const stack::Command& c);
  // For commands that must happen (resets, unlistens, closes): a full
  // queue keeps them for a retry instead of dropping them.
  void post_or_retry(uint32_t shard, const stack::Command& c);
  void post_all(const stack::Command& c);
  void abort_conn(const ConnKey& k);
  void drop_listener(uint32_t key);
  // A session stops naming the listener; the last one drops it.
  void release_listener(uint32_t key);
  void release_conn(Session& s, uint32_t app_id);
  ConnRec* conn_of(Session& s, uint32_t app_id);
  // An app id no connection or listener of the session holds (id_alloc.h).
  static uint32_t new_app_id(Session& s);
  bool serves(const wire::IpAddress& a) const;
  // The uid of the app that owns (or, queued on its listener, will own) r;
  // nullopt for an orphan, which only root and the socket's group see.
  std::optional<uid_t> owner_uid(const ConnRec& r) const;
  std::optional<std::string> over_limit(const Session& s, int* code) const;
  void conn_reply(Reply* out, uint16_t type, uint32_t seq, uint32_t app_id, const ConnRec& r,
                  uint32_t pending);
  static void error(Reply* out, uint32_t seq, uint16_t type, int code, const std::string& text);
  static void ack(Reply* out, uint16_t type, uint32_t seq, uint32_t id);
  static AddrKey key_of(const stack::ListenerId& id);

  std::vector<ShardUnit*> shards_;
  CompletionQueue& completions_;
  ReplySink& sink_;
  AppStackConfig cfg_;
  std::map<uint32_t, Session> sessions_;
  std::map<ConnKey, ConnRec> conns_;
  std::map<uint32_t, ListenerRec> listeners_;
  std::map<AddrKey, uint32_t> listener_by_addr_;
  std::map<uint64_t, Op> ops_;
  uint32_t next_listener_ = 1;
  uint64_t next_token_ = 1;
  uint32_t next_shard_ = 0;  // round robin for active opens
  static constexpr int kRetryMs = 5;
  std::vector<std::pair<uint32_t, stack::Command>> retry_;
  AppCounters counters_;
};

}  // namespace xtcp::daemon
