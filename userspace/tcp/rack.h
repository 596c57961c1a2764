// RACK (RFC 8985 section 6): time-based loss detection over a log of what
// was sent when. Each transmission of [start, end) is a record with its
// send time; a record is lost once a record sent later (RACK.xmit_ts) was
// delivered and more than RACK.rtt + RACK.reo_wnd have passed since it was
// sent. Retransmissions get a new send time, so a lost retransmission is
// detected like any other loss, without waiting for the RTO.
//
// Bounded: the log is sized once (a fixed ring); when it is full the newest
// record absorbs the next transmission (its send time moves later, which
// can only delay, never invent, a loss). Sans-IO: `now` comes in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tcp/time.h"
#include "wire/seq.h"

namespace xtcp::tcp {

class Rack {
 public:
  struct Record {
    wire::SeqNumber start, end;
    Instant xmit;
    bool retransmitted = false;
    bool lost = false;
    bool sacked = false;
  };

  explicit Rack(size_t capacity);

  // A transmission of [start, end): new data (start == the log's end) or a
  // retransmission of logged data.
  void on_send(wire::SeqNumber start, wire::SeqNumber end, Instant now);
  // Cumulative ACK: records below una are delivered and leave the log.
  void on_cumulative_ack(wire::SeqNumber una, Instant now, Duration min_rtt);
  // A SACK block: records inside [left, right) are delivered.
  void on_sack(wire::SeqNumber left, wire::SeqNumber right, Instant now, Duration min_rtt);
  // RFC 8985 6.2 step 4: a D-SACK widens the reordering window, once per
  // round trip (snd_max: the round ends when it is acknowledged).
  void on_dsack(wire::SeqNumber una, wire::SeqNumber snd_max);
  // A recovery episode ended (RFC 8985 6.2: after 16 without D-SACK the
  // window multiplier resets).
  void on_recovery_end();
  // RFC 8985 6.2 step 5 (RACK_detect_loss): marks records lost; returns the
  // time until the next record would be (zero: none pending, no timer).
  Duration detect_loss(Instant now, Duration srtt, Duration min_rtt, bool in_recovery);
  // After an RTO the sender rewinds and resends everything not SACKed;
  // marks are reset (RFC 8985 6.3 hands this case to the RTO recovery).
  void on_rto();
  // SACK information was discarded (RFC 2018 8 reneging).
  void clear_sacked();

  // The first lost record starting below `limit`: [*seq, *seq + *len).
  bool first_lost(wire::SeqNumber limit, wire::SeqNumber* seq, uint32_t* len) const;
  // The highest record not SACKed (the TLP's retransmission, RFC 8985 7.3).
  bool last_unsacked(wire::SeqNumber* seq, uint32_t* len) const;
  // The lowest record not SACKed: the oldest hole (a probe in recovery).
  bool first_unsacked(wire::SeqNumber* seq, uint32_t* len) const;
  uint32_t lost_bytes() const { return lost_bytes_; }
  uint32_t sacked_records() const { return sacked_count_; }
  bool reordering_seen() const { return reordering_seen_; }
  Duration reo_wnd(Duration srtt, Duration min_rtt, bool in_recovery) const;
  uint32_t reo_wnd_mult() const { return reo_wnd_mult_; }
  size_t size() const { return count_; }
  const Record& record(size_t i) const { return ring_[(head_ + i) % ring_.size()]; }

 private:
  Record& at(size_t i) { return ring_[(head_ + i) % ring_.size()]; }
  // First record whose end is above s (records are contiguous and sorted).
  size_t find(wire::SeqNumber s) const;
  bool split(size_t i, wire::SeqNumber at_seq);  // false when the ring is full
  void insert_after(size_t i, const Record& r);
  void delivered(Record& r, Instant now, Duration min_rtt);
  void set_lost(Record& r, bool lost);

  std::vector<Record> ring_;  // sized once
  size_t head_ = 0, count_ = 0;
  uint32_t lost_bytes_ = 0;
  uint32_t sacked_count_ = 0;
  // RFC 8985 6.1 state.
  Instant xmit_ts_ = Instant::from_micros(-1);  // most recently sent delivered record
  wire::SeqNumber end_seq_;
  Duration rtt_{};
  wire::SeqNumber fack_;  // highest delivered sequence + 1
  bool have_fack_ = false;
  bool reordering_seen_ = false;
  uint32_t reo_wnd_mult_ = 1;
  uint32_t reo_wnd_persist_ = 16;
  bool dsack_round_active_ = false;
  wire::SeqNumber dsack_round_end_;
};

}  // namespace xtcp::tcp
