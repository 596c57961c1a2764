#include "tcp/syn_cookie.h"

#include <algorithm>

namespace xtcp::tcp {

namespace {
constexpr uint32_t kCounterShift = 27;
constexpr uint32_t kCounterMask = 0x1f;
constexpr uint32_t kMssShift = 24;
constexpr uint32_t kMssMask = 0x7;
constexpr uint32_t kMacMask = 0xffffff;
constexpr uint8_t kDomainSynCookie = 0x5c;  // keeps cookie MACs apart from ISN hashes

void put_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
}  // namespace

SynCookies::SynCookies(const SecretKey& secret, SynCookieConfig config)
    : key_(SipKey::from_bytes(secret.data())), config_(config) {
  if (config_.period.us <= 0) config_.period = SynCookieConfig::kDefaultPeriod;
  // The 5-bit field can tell apart at most 31 periods of age.
  config_.max_age_periods = std::min<uint32_t>(config_.max_age_periods, kCounterMask);
}

uint8_t SynCookies::mss_index(uint16_t peer_mss) {
  uint8_t idx = 0;
  for (uint8_t i = 0; i < kMssTable.size(); ++i) {
    if (kMssTable[i] <= peer_mss) idx = i;
  }
  return idx;
}

uint64_t SynCookies::counter(Instant now) const {
  return now.us <= 0 ? 0 : static_cast<uint64_t>(now.us / config_.period.us);
}

uint32_t SynCookies::mac(const FourTuple& tuple, uint64_t count, wire::SeqNumber client_isn,
                         uint8_t mss_idx) const {
  uint8_t buf[40 + 10];
  size_t n = four_tuple_bytes(tuple, buf);
  put_le32(buf + n, static_cast<uint32_t>(count));
  put_le32(buf + n + 4, client_isn.raw());
  buf[n + 8] = mss_idx;
  buf[n + 9] = kDomainSynCookie;
  return static_cast<uint32_t>(siphash24(key_, buf, n + 10)) & kMacMask;
}

wire::SeqNumber SynCookies::make(const FourTuple& tuple, wire::SeqNumber client_isn,
                                 uint16_t peer_mss, Instant now) const {
  uint64_t count = counter(now);
  uint8_t idx = mss_index(peer_mss);
  uint32_t v = (static_cast<uint32_t>(count & kCounterMask) << kCounterShift) |
               (uint32_t{idx} << kMssShift) | mac(tuple, count, client_isn, idx);
  return wire::SeqNumber(v);
}

std::optional<uint16_t> SynCookies::check(const FourTuple& tuple, wire::SeqNumber client_isn,
                                          wire::SeqNumber cookie, Instant now) const {
  uint32_t v = cookie.raw();
  uint64_t now_count = counter(now);
  uint32_t age = (static_cast<uint32_t>(now_count) - (v >> kCounterShift)) & kCounterMask;
  if (age > config_.max_age_periods || age > now_count) return std::nullopt;
  uint8_t idx = static_cast<uint8_t>((v >> kMssShift) & kMssMask);
  if (mac(tuple, now_count - age, client_isn, idx) != (v & kMacMask)) return std::nullopt;
  return kMssTable[idx];
}

}  // namespace xtcp::tcp
