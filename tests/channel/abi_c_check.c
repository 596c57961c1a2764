/* channel_abi.h must compile as C11 and give C the same layout as C++. */
#include <stddef.h>

#include "xtcp/channel_abi.h"

_Static_assert(sizeof(struct xtcp_chan_header) == XTCP_CHAN_HEADER_SIZE, "C header is one page");

size_t xtcp_test_c_header_size(void) { return sizeof(struct xtcp_chan_header); }
size_t xtcp_test_c_tx_cons_offset(void) { return offsetof(struct xtcp_chan_header, tx.cons); }
size_t xtcp_test_c_app_wake_offset(void) {
  return offsetof(struct xtcp_chan_header, app_wants_wake);
}
