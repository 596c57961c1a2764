// Cross-queue forwarding (daemon-design.md "Threads"): with several receive
// queues, the NIC's RSS may put an active open's SYN-ACK on a queue whose
// shard does not own the flow. That shard asks the steering maps for the
// owner and hands it a copy (Shard::deliver_foreign); a flow nobody owns is
// answered with a RST (RFC 9293 3.10.7.1) by the shard that received it.
// Two shards over their own MemoryPacketIo share one owner table, like the
// one BPF flow map of the interface.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "shard/shard_harness.h"
#include "stack/shard_loop.h"

using namespace xtcp::shard_test;
using namespace xtcp;
namespace f = xtcp::wire::tcp_flags;

namespace {

// The BPF flow map: four-tuple -> queue of the shard that added it.
struct OwnerTable {
  std::vector<std::pair<FourTuple, uint32_t>> entries;
  auto find(const FourTuple& t) {
    return std::find_if(entries.begin(), entries.end(), [&](auto& e) { return e.first == t; });
  }
};

// One shard's view of the shared map: add_flow records its own queue.
struct QueueSteering : SteeringMaps {
  QueueSteering(OwnerTable& t, uint32_t q) : table(t), queue(q) {}
  int add_listener(const IpAddress&, uint16_t) override { return 0; }
  int remove_listener(const IpAddress&, uint16_t) override { return 0; }
  int add_flow(const FourTuple& t) override {
    if (auto it = table.find(t); it != table.entries.end()) it->second = queue;
    else table.entries.push_back({t, queue});
    return 0;
  }
  int remove_flow(const FourTuple& t) override {
    auto it = table.find(t);
    if (it == table.entries.end()) return -ENOENT;
    table.entries.erase(it);
    return 0;
  }
  int flow_owner(const FourTuple& t) override {
    ++owner_queries;
    auto it = table.find(t);
    return it == table.entries.end() ? -ENOENT : static_cast<int>(it->second);
  }
  OwnerTable& table;
  uint32_t queue;
  int owner_queries = 0;
};

// What one queue has: its packet I/O, events, memory and steering view.
struct Queue {
  Queue(OwnerTable& t, uint32_t q) : io(256, 2048, 64), mem(1u << 16, 1u << 16), steering(t, q) {}
  MemoryPacketIo io;
  StaticNeighbours neigh;
  HeapConnectionMemory mem;
  Events events;
  QueueSteering steering;
  std::unique_ptr<Shard> shard;
  int forward_calls = 0;  // times this shard called its Forwarder
};

class TwoShards {
 public:
  TwoShards() {
    for (uint32_t q = 0; q < 2; ++q) {
      queues[q] = std::make_unique<Queue>(owners, q);
      Queue& qu = *queues[q];
      qu.neigh.add(peer_ip, peer_mac);
      ShardConfig cfg;
      cfg.queue = q;
      cfg.local_mac = shard_mac;  // one interface, two queues
      cfg.local_v4 = shard_ip;
      cfg.isn_secret = {1, 2, 3};
      Forwarder fwd = [this, q](uint32_t owner, const uint8_t* data, uint32_t len) {
        ++queues[q]->forward_calls;
        return owner < 2 && queues[owner]->shard->deliver_foreign(data, len);
      };
      qu.shard = std::make_unique<Shard>(
          cfg, ShardDeps{qu.io, qu.neigh, qu.steering, qu.mem, qu.events, [this] { return now; },
                         fwd});
    }
  }

  Shard& shard(uint32_t q) { return *queues[q]->shard; }
  Queue& queue(uint32_t q) { return *queues[q]; }

  // A frame from the peer to the shards' address.
  std::vector<uint8_t> peer_frame(const wire::TcpRepr& r) const {
    wire::FrameHeaders h;
    h.eth.src = peer_mac;
    h.eth.dst = shard_mac;
    h.src_ip = peer_ip;
    h.dst_ip = shard_ip;
    std::vector<uint8_t> buf(wire::frame_header_len(h, r) + r.payload.size());
    buf.resize(wire::build_frame(h, r, buf));
    return buf;
  }

  // Every frame queue q put on its wire, parsed (copies kept alive here).
  std::vector<wire::ParsedFrame> sent_by(uint32_t q) {
    std::vector<wire::ParsedFrame> out;
    queues[q]->io.take_sent([&](std::span<const uint8_t> fr) {
      kept_.emplace_back(fr.begin(), fr.end());
    });
    for (size_t i = parsed_; i < kept_.size(); ++i) {
      wire::ParsedFrame pf;
      REQUIRE(wire::parse_frame(kept_[i], pf) == wire::ParseError::kOk);
      out.push_back(pf);
    }
    parsed_ = kept_.size();
    return out;
  }

  // Shard 0 connects to the peer's port 5201 and sends its SYN.
  ConnId connect_from_0(wire::ParsedFrame& syn) {
    Queue& q0 = queue(0);
    shard(0).execute(Command{.kind = CommandKind::kConnect, .token = 1, .remote = peer_ip,
                             .remote_port = 5201},
                     now);
    REQUIRE(q0.events.done.size() == 1);
    REQUIRE(q0.events.done[0].err == 0);
    const ConnId id = q0.events.done[0].conn;
    shard(0).run_once(now);
    auto sent = sent_by(0);
    REQUIRE(sent.size() == 1);
    REQUIRE(sent[0].tcp.flags == f::kSyn);
    syn = sent[0];
    return id;
  }

  // The peer's answer to that SYN: <SEQ=7000><ACK=SYN.SEQ+1><CTL=SYN,ACK>.
  std::vector<uint8_t> syn_ack_for(const wire::ParsedFrame& syn) const {
    return peer_frame(wire::TcpRepr{.src_port = 5201, .dst_port = syn.tcp.src_port,
                                    .seq = wire::SeqNumber(7000), .ack = syn.tcp.seq + 1,
                                    .flags = f::kSyn | f::kAck, .window = 65535});
  }

  Instant now = Instant::from_micros(1'000'000);
  MacAddress shard_mac = mac(2), peer_mac = mac(1);
  IpAddress shard_ip = IpAddress::v4(10, 77, 0, 2), peer_ip = IpAddress::v4(10, 77, 0, 1);
  OwnerTable owners;
  std::array<std::unique_ptr<Queue>, 2> queues;

 private:
  std::deque<std::vector<uint8_t>> kept_;  // payload spans point here
  size_t parsed_ = 0;
};

}  // namespace

TEST_CASE("a SYN-ACK on another queue is forwarded to the shard that connected",
          "[shard][forward]") {
  TwoShards s;
  wire::ParsedFrame syn;
  const ConnId id = s.connect_from_0(syn);
  // The connection's flow entry names queue 0 in the shared map.
  REQUIRE(s.owners.entries.size() == 1);
  CHECK(s.owners.entries[0].second == 0);
  CHECK(s.owners.entries[0].first == s.shard(0).connection(id)->tuple());

  s.queue(1).io.inject(s.syn_ack_for(syn));
  s.shard(1).run_once(s.now);
  const ShardStats& st1 = s.shard(1).stats();
  CHECK(st1.rx_frames == 1);
  CHECK(st1.rx_forwarded == 1);
  CHECK(st1.rx_forward_dropped == 0);
  CHECK(st1.rx_no_socket == 0);
  CHECK(st1.resets_sent == 0);
  CHECK(s.sent_by(1).empty());  // no RST from the queue that does not own it
  CHECK(s.queue(1).io.rx_pending() == 0);
  CHECK(s.shard(1).connection_count() == 0);

  s.shard(0).run_once(s.now);
  const ShardStats& st0 = s.shard(0).stats();
  CHECK(st0.rx_foreign == 1);
  CHECK(st0.rx_forwarded == 0);
  CHECK(s.queue(0).forward_calls == 0);
  REQUIRE(s.shard(0).connection(id) != nullptr);
  CHECK(s.shard(0).connection(id)->state() == tcp::State::kEstablished);
  CHECK(s.queue(0).events.established == std::vector<ConnId>{id});
  // RFC 9293 3.10.7.3 (SYN-SENT): the SYN-ACK is acknowledged,
  // <SEQ=ISS+1><ACK=RCV.NXT><CTL=ACK>, on shard 0's own queue.
  auto sent = s.sent_by(0);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].tcp.flags == f::kAck);
  CHECK(sent[0].tcp.seq == syn.tcp.seq + 1);
  CHECK(sent[0].tcp.ack == wire::SeqNumber(7001));
  CHECK(sent[0].tcp.src_port == syn.tcp.src_port);
  CHECK(sent[0].hdr.eth.dst == s.peer_mac);
  CHECK(s.sent_by(1).empty());
}

TEST_CASE("a segment of a flow nobody owns gets a RST from the shard that received it",
          "[shard][forward]") {
  TwoShards s;
  const wire::TcpRepr ack{.src_port = 5201, .dst_port = 40000, .seq = wire::SeqNumber(10),
                          .ack = wire::SeqNumber(555), .flags = f::kAck, .window = 1000};
  const FourTuple t{s.shard_ip, 40000, s.peer_ip, 5201};

  SECTION("not in the flow map") {}
  SECTION("the map names the receiving queue itself (stale entry)") {
    s.owners.entries.push_back({t, 1});
  }
  s.queue(1).io.inject(s.peer_frame(ack));
  s.shard(1).run_once(s.now);
  const ShardStats& st1 = s.shard(1).stats();
  CHECK(s.queue(1).steering.owner_queries == 1);
  CHECK(s.queue(1).forward_calls == 0);
  CHECK(st1.rx_forwarded == 0);
  CHECK(st1.rx_no_socket == 1);
  CHECK(st1.resets_sent == 1);
  auto sent = s.sent_by(1);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].tcp.flags == f::kRst);  // <SEQ=SEG.ACK><CTL=RST>
  CHECK(sent[0].tcp.seq == wire::SeqNumber(555));
  CHECK(sent[0].tcp.dst_port == 5201);

  s.shard(0).run_once(s.now);
  CHECK(s.shard(0).stats().rx_foreign == 0);
  CHECK(s.sent_by(0).empty());
}

TEST_CASE("a forwarded frame is never forwarded again", "[shard][forward]") {
  TwoShards s;
  // The map says queue 1 owns the flow, but the frame already came from
  // another shard: shard 0 handles it as its own (a RST), no ping-pong.
  const FourTuple t{s.shard_ip, 40001, s.peer_ip, 5201};
  s.owners.entries.push_back({t, 1});
  const auto frame = s.peer_frame(wire::TcpRepr{.src_port = 5201, .dst_port = 40001,
                                                .seq = wire::SeqNumber(10),
                                                .ack = wire::SeqNumber(99), .flags = f::kAck,
                                                .window = 1000});
  REQUIRE(s.shard(0).deliver_foreign(frame.data(), static_cast<uint32_t>(frame.size())));
  s.shard(0).run_once(s.now);
  const ShardStats& st0 = s.shard(0).stats();
  CHECK(st0.rx_foreign == 1);
  CHECK(s.queue(0).forward_calls == 0);
  CHECK(st0.rx_forwarded == 0);
  CHECK(st0.rx_no_socket == 1);
  auto sent = s.sent_by(0);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].tcp.flags == f::kRst);
  CHECK(sent[0].tcp.seq == wire::SeqNumber(99));

  s.shard(1).run_once(s.now);
  CHECK(s.shard(1).stats().rx_foreign == 0);

  // The same frame arriving on queue 0 from the wire is forwarded.
  s.queue(0).io.inject(frame);
  s.shard(0).run_once(s.now);
  CHECK(s.queue(0).forward_calls == 1);
  CHECK(st0.rx_forwarded == 1);
  s.shard(1).run_once(s.now);
  CHECK(s.shard(1).stats().rx_foreign == 1);
}

TEST_CASE("a frame too large for the inbox is refused", "[shard][forward]") {
  TwoShards s;
  std::vector<uint8_t> big(ForeignFrame::kMaxLen + 1, 0);
  CHECK_FALSE(s.shard(0).deliver_foreign(big.data(), static_cast<uint32_t>(big.size())));
  s.shard(0).run_once(s.now);
  CHECK(s.shard(0).stats().rx_foreign == 0);
}

TEST_CASE("a full inbox drops the forwarded frame and counts it; the retransmission gets through",
          "[shard][forward]") {
  TwoShards s;
  wire::ParsedFrame syn;
  const ConnId id = s.connect_from_0(syn);

  // Fill shard 0's inbox with frames too short to parse (dropped silently).
  const std::vector<uint8_t> junk(20, 0xab);
  size_t accepted = 0;
  while (accepted < 2 * kForeignInbox &&
         s.shard(0).deliver_foreign(junk.data(), static_cast<uint32_t>(junk.size())))
    ++accepted;
  CHECK(accepted == kForeignInbox);

  const auto synack = s.syn_ack_for(syn);
  s.queue(1).io.inject(synack);
  s.shard(1).run_once(s.now);
  const ShardStats& st1 = s.shard(1).stats();
  CHECK(st1.rx_forward_dropped == 1);
  CHECK(st1.rx_forwarded == 0);
  CHECK(st1.rx_no_socket == 0);  // dropped, not answered: the peer retransmits
  CHECK(s.sent_by(1).empty());

  // Shard 0 drains the junk (a bounded batch per pass) and is still waiting.
  for (int i = 0; i < 16 && s.shard(0).stats().rx_foreign < kForeignInbox; ++i)
    s.shard(0).run_once(s.now);
  CHECK(s.shard(0).stats().rx_foreign == kForeignInbox);
  CHECK(s.shard(0).stats().malformed_total() == kForeignInbox);
  CHECK(s.shard(0).connection(id)->state() == tcp::State::kSynSent);

  // The peer's retransmitted SYN-ACK arrives on queue 1 again.
  s.queue(1).io.inject(synack);
  s.shard(1).run_once(s.now);
  CHECK(st1.rx_forwarded == 1);
  s.shard(0).run_once(s.now);
  CHECK(s.shard(0).connection(id)->state() == tcp::State::kEstablished);
}

// On a real thread: every frame another shard delivers must be processed
// even when it arrives while the shard's loop is about to sleep. Each round
// delivers one frame (a RST to no socket: never answered, no timer, so an
// idle shard has no deadline) right after the loop finished the previous
// one, with a varying delay, and waits for it with a bounded timeout.
//
// Regression: run_once used to drain the command eventfd in commands(),
// after ingress() had emptied the inbox, so a deliver_foreign() landing
// in between lost its wake-up and the loop slept with the frame queued.
// The drain now happens in Shard::prepare_sleep, right before the sleep,
// followed by a look at the queues.
TEST_CASE("a frame delivered while the owner goes to sleep still wakes it",
          "[shard][forward][thread]") {
  TwoShards s;
  Shard& sh = s.shard(0);
  std::atomic<uint64_t> processed{0};
  LoopConfig lc;
  lc.policy = PollPolicy::kInterrupt;
  lc.after_pass = [&](bool) { processed.store(sh.stats().rx_foreign, std::memory_order_release); };
  ShardLoop loop(sh, lc);
  std::thread t([&] { loop.run(); });

  const auto frame = s.peer_frame(wire::TcpRepr{.src_port = 5201, .dst_port = 40002,
                                                .seq = wire::SeqNumber(1), .flags = f::kRst});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  uint64_t sent = 0, lost_at = 0;
  for (int round = 0; round < 20000 && std::chrono::steady_clock::now() < deadline; ++round) {
    for (int spin = 0; spin < (round * 7) % 8192; ++spin) asm volatile("" ::: "memory");
    if (!sh.deliver_foreign(frame.data(), static_cast<uint32_t>(frame.size()))) break;  // full
    ++sent;
    const auto wait_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    while (processed.load(std::memory_order_acquire) < sent &&
           std::chrono::steady_clock::now() < wait_until) {
    }
    if (processed.load(std::memory_order_acquire) < sent) {
      lost_at = sent;
      break;
    }
  }
  loop.stop();
  t.join();
  INFO("frame " << lost_at << " of " << sent << " sat in the inbox for 200 ms; loop sleeps "
                << loop.stats().sleeps);
  CHECK(sent > 100);
  CHECK(lost_at == 0);
  // Queued, not lost: the next pass (on this thread now) takes it.
  sh.run_once(s.now);
  CHECK(sh.stats().rx_foreign == sent);
}
