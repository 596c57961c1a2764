// Listeners by (family, local address, port). The unspecified address
// (0.0.0.0 or ::) is the wildcard, as with bind(2). A lookup for an arriving
// SYN tries the exact local address first, then the wildcard of the same
// family, so a specific bind wins over INADDR_ANY on the same port (the
// usual socket rule). Families are separate: a :: listener does not accept
// IPv4 (as with IPV6_V6ONLY=1).
#pragma once

#include <cstdint>

#include "stack/flow_hash.h"
#include "stack/open_table.h"
#include "wire/ip_address.h"

namespace xtcp::stack {

inline constexpr size_t kDefaultListenerTableCapacity = 1024;

struct ListenerKey {
  wire::IpAddress local;  // all-zero bytes: wildcard
  uint16_t port = 0;      // host order
  bool operator==(const ListenerKey&) const = default;
};

class ListenerHasher {
 public:
  explicit ListenerHasher(HashKey key = {}) : mix_(key) {}
  uint64_t operator()(const ListenerKey& k) const {
    static const wire::IpAddress kZero{};
    return mix_.mix(k.local, kZero, uint64_t{k.port} | uint64_t{static_cast<uint8_t>(k.local.family)} << 16);
  }

 private:
  KeyedMix mix_;
};

inline wire::IpAddress wildcard_of(wire::IpFamily family) {
  wire::IpAddress any;
  any.family = family;
  return any;
}

template <class Value>
class ListenerTable {
 public:
  explicit ListenerTable(size_t capacity = kDefaultListenerTableCapacity, HashKey key = {},
                         unsigned max_load_percent = kDefaultMaxLoadPercent)
      : table_(capacity, ListenerHasher{key}, max_load_percent) {}

  // `local` may be the wildcard of its family.
  InsertResult<Value> insert(const wire::IpAddress& local, uint16_t port, Value value) {
    return table_.insert(ListenerKey{local, port}, std::move(value));
  }
  bool erase(const wire::IpAddress& local, uint16_t port) {
    return table_.erase(ListenerKey{local, port});
  }

  // The listener for a SYN to local:port: exact address, else wildcard.
  Value* match(const wire::IpAddress& local, uint16_t port) {
    if (Value* v = table_.find(ListenerKey{local, port})) return v;
    return table_.find(ListenerKey{wildcard_of(local.family), port});
  }
  // Only the entry bound to exactly this address (wildcard included).
  Value* find_exact(const wire::IpAddress& local, uint16_t port) {
    return table_.find(ListenerKey{local, port});
  }

  template <class F>
  void for_each(F&& f) {
    table_.for_each(std::forward<F>(f));
  }
  size_t size() const { return table_.size(); }
  size_t max_size() const { return table_.max_size(); }

 private:
  OpenTable<ListenerKey, Value, ListenerHasher> table_;
};

}  // namespace xtcp::stack
