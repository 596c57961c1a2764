// TCP option parsing and emission (RFC 9293 3.2, RFC 7323, RFC 2018).
#include <cstring>

#include "wire/bytes.h"
#include "wire/tcp.h"

namespace xtcp::wire {
namespace {

// The value of one known option; len was checked by the caller against the
// area, here it is checked against the kind.
ParseError decode_option(uint8_t kind, uint8_t len, const uint8_t* v, TcpOptions& out) {
  switch (kind) {
    case tcp_option::kMss:
      if (len != 4) return ParseError::kBadOption;
      out.mss = load_be16(v);
      return ParseError::kOk;
    case tcp_option::kWindowScale:
      // Shift counts above 14 are kept as sent; RFC 7323 2.3 tells the
      // receiver to use 14, which is the engine's decision.
      if (len != 3) return ParseError::kBadOption;
      out.window_scale = v[0];
      return ParseError::kOk;
    case tcp_option::kSackPermitted:
      if (len != 2) return ParseError::kBadOption;
      out.sack_permitted = true;
      return ParseError::kOk;
    case tcp_option::kSack: {
      // RFC 2018 3: 8n + 2 bytes, n blocks of left/right edges.
      size_t n = (len - 2u) / 8;
      if ((len - 2u) % 8 != 0 || n < 1 || n > kMaxSackBlocks) return ParseError::kBadOption;
      for (size_t i = 0; i < n; ++i) {
        out.sack[i] = {SeqNumber(load_be32(v + 8 * i)), SeqNumber(load_be32(v + 8 * i + 4))};
      }
      out.sack_count = static_cast<uint8_t>(n);
      return ParseError::kOk;
    }
    case tcp_option::kTimestamps:
      if (len != 10) return ParseError::kBadOption;
      out.timestamps = Timestamps{load_be32(v), load_be32(v + 4)};
      return ParseError::kOk;
    default:
      return ParseError::kOk;  // unknown kinds are skipped (RFC 9293 3.2)
  }
}

constexpr uint32_t kKnownKinds = (1u << tcp_option::kMss) | (1u << tcp_option::kWindowScale) |
                                 (1u << tcp_option::kSackPermitted) |
                                 (1u << tcp_option::kSack) | (1u << tcp_option::kTimestamps);

struct OptionPlan {
  bool aligned = true;
  uint8_t sack_n = 0;
  uint8_t len = 0;  // padded to a multiple of 4
};

size_t round4(size_t n) { return (n + 3) & ~size_t{3}; }

size_t aligned_len(const TcpOptions& o, size_t n) {
  size_t len = o.mss ? 4 : 0;
  if (o.timestamps) len += 12;            // SACKOK TS, or NOP NOP TS
  else if (o.sack_permitted) len += 4;    // NOP NOP SACKOK
  if (o.window_scale) len += 4;           // NOP WS
  if (n > 0) len += 4 + 8 * n;            // NOP NOP SACK
  return len;
}

size_t packed_len(const TcpOptions& o, size_t n) {
  size_t len = (o.mss ? 4 : 0) + (o.sack_permitted ? 2 : 0) + (o.timestamps ? 10 : 0) +
               (o.window_scale ? 3 : 0) + (n > 0 ? 2 + 8 * n : 0);
  return round4(len);
}

OptionPlan plan_options(const TcpOptions& o) {
  size_t n = o.sack_count < kMaxSackBlocks ? o.sack_count : kMaxSackBlocks;
  for (;; --n) {
    if (size_t a = aligned_len(o, n); a <= TcpSegment::kMaxOptionsLen) {
      return {true, static_cast<uint8_t>(n), static_cast<uint8_t>(a)};
    }
    if (size_t p = packed_len(o, n); p <= TcpSegment::kMaxOptionsLen) {
      return {false, static_cast<uint8_t>(n), static_cast<uint8_t>(p)};
    }
    // n == 0 always fits: 4 + 12 + 4 = 20 bytes.
  }
}

uint8_t* put_timestamps(uint8_t* q, const Timestamps& ts) {
  q[0] = tcp_option::kTimestamps;
  q[1] = 10;
  store_be32(q + 2, ts.tsval);
  store_be32(q + 6, ts.tsecr);
  return q + 10;
}

uint8_t* put_sack(uint8_t* q, const TcpOptions& o, size_t n) {
  q[0] = tcp_option::kSack;
  q[1] = static_cast<uint8_t>(2 + 8 * n);
  q += 2;
  for (size_t i = 0; i < n; ++i, q += 8) {
    store_be32(q, o.sack[i].left.raw());
    store_be32(q + 4, o.sack[i].right.raw());
  }
  return q;
}

uint8_t* put_window_scale(uint8_t* q, uint8_t shift) {
  q[0] = tcp_option::kWindowScale;
  q[1] = 3;
  q[2] = shift;
  return q + 3;
}

}  // namespace

ParseError parse_tcp_options(std::span<const uint8_t> opts, TcpOptions& out) {
  out = TcpOptions{};
  uint32_t seen = 0;
  size_t i = 0;
  const size_t n = opts.size();
  while (i < n) {
    const uint8_t kind = opts[i];
    if (kind == tcp_option::kEol) break;
    if (kind == tcp_option::kNop) {
      ++i;
      continue;
    }
    if (n - i < 2) return ParseError::kBadOption;  // no room for the length byte
    const uint8_t len = opts[i + 1];
    if (len < 2 || len > n - i) return ParseError::kBadOption;
    if (kind < 32 && (kKnownKinds & (1u << kind)) != 0) {
      if ((seen & (1u << kind)) != 0) return ParseError::kDuplicateOption;
      seen |= 1u << kind;
    }
    if (ParseError e = decode_option(kind, len, opts.data() + i + 2, out); e != ParseError::kOk) {
      return e;
    }
    i += len;
  }
  return ParseError::kOk;
}

size_t tcp_options_len(const TcpOptions& o) { return plan_options(o).len; }

size_t emit_tcp_options(const TcpOptions& o, uint8_t* out) {
  const OptionPlan plan = plan_options(o);
  uint8_t* q = out;
  if (o.mss) {
    q[0] = tcp_option::kMss;
    q[1] = 4;
    store_be16(q + 2, *o.mss);
    q += 4;
  }
  if (plan.aligned) {
    if (o.timestamps) {
      // RFC 7323 appendix A: TS on a 4-byte boundary; SACKOK fills the gap.
      if (o.sack_permitted) {
        *q++ = tcp_option::kSackPermitted;
        *q++ = 2;
      } else {
        *q++ = tcp_option::kNop;
        *q++ = tcp_option::kNop;
      }
      q = put_timestamps(q, *o.timestamps);
    } else if (o.sack_permitted) {
      *q++ = tcp_option::kNop;
      *q++ = tcp_option::kNop;
      *q++ = tcp_option::kSackPermitted;
      *q++ = 2;
    }
    if (o.window_scale) {
      *q++ = tcp_option::kNop;
      q = put_window_scale(q, *o.window_scale);
    }
    if (plan.sack_n > 0) {
      *q++ = tcp_option::kNop;
      *q++ = tcp_option::kNop;
      q = put_sack(q, o, plan.sack_n);
    }
  } else {
    if (o.sack_permitted) {
      *q++ = tcp_option::kSackPermitted;
      *q++ = 2;
    }
    if (o.timestamps) q = put_timestamps(q, *o.timestamps);
    if (o.window_scale) q = put_window_scale(q, *o.window_scale);
    if (plan.sack_n > 0) q = put_sack(q, o, plan.sack_n);
  }
  // Pad to the data offset's 4-byte unit with NOPs.
  while (q < out + plan.len) *q++ = tcp_option::kNop;
  return plan.len;
}

}  // namespace xtcp::wire
