// The shard's connection lookup: tcp::FourTuple -> Value (typically the
// connection's slot index), O(1) expected, no allocation after
// construction. See open_table.h for the probing and full-table contract.
#pragma once

#include "stack/flow_hash.h"
#include "stack/open_table.h"
#include "tcp/four_tuple.h"

namespace xtcp::stack {

inline constexpr size_t kDefaultFlowTableCapacity = 65536;

// Construct with the shard's random secret: FlowTable<T> t(cap, FlowHasher{key}).
template <class Value, class Hash = FlowHasher>
using FlowTable = OpenTable<tcp::FourTuple, Value, Hash>;

}  // namespace xtcp::stack
