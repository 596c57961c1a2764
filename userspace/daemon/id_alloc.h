// Ids handed to apps (sessions, listeners, connections) are 32 bits and
// wrap. A wrapped counter must never hand out an id still in use, or a
// request for one object would reach another: next_free_id skips 0 and
// every live id. The caller's live set is far smaller than 2^32, so the
// search ends; it only ever scans past ids that are still live.
#pragma once

#include <cstdint>

namespace xtcp::daemon {

template <class InUse>
uint32_t next_free_id(uint32_t& cursor, InUse&& in_use) {
  for (;;) {
    const uint32_t id = cursor++;
    if (cursor == 0) cursor = 1;  // 0 means "none" in the protocol
    if (id != 0 && !in_use(id)) return id;
  }
}

}  // namespace xtcp::daemon
